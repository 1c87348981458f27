// process_content's rules on their own: UTF-8 decoding, normalization,
// length in code points, banned words and patterns, URL kinds, and config
// errors that name the key.
#include "content_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using wno::content::ContentRules;

ContentRules rules(const json& config = json::object()) { return ContentRules(config); }

TEST(Utf8, DecodesAndRejectsMalformedInput) {
  std::u32string out;
  EXPECT_TRUE(wno::content::decodeUtf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", out));  // a é € 😀
  EXPECT_EQ(out, (std::u32string{U'a', 0xE9, 0x20AC, 0x1F600}));
  EXPECT_EQ(wno::content::encodeUtf8(out), "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_FALSE(wno::content::decodeUtf8("\xC0\xAF", out));          // overlong '/'
  EXPECT_FALSE(wno::content::decodeUtf8("\xED\xA0\x80", out));      // a surrogate
  EXPECT_FALSE(wno::content::decodeUtf8("\xF4\x90\x80\x80", out));  // above U+10FFFF
  EXPECT_FALSE(wno::content::decodeUtf8("ab\xE2\x82", out));        // truncated
  EXPECT_FALSE(wno::content::decodeUtf8("\x80", out));              // a lone continuation byte
  EXPECT_FALSE(wno::content::decodeUtf8("\xFF", out));
}

TEST(ContentRules, NormalizesLineEndingsSpacesAndInvisibleCharacters) {
  auto v = rules().evaluate("text", "  Hello \t  world  \r\nsecond\rthird\xE2\x80\xA8" "fourth\n");
  ASSERT_TRUE(v.accepted) << v.reason;
  EXPECT_EQ(v.body, "Hello world\nsecond\nthird\nfourth");

  // No-break and ideographic spaces become spaces; zero-width ones vanish;
  // control characters go; ZWJ (emoji sequences) stays.
  v = rules().evaluate("text", "a\xC2\xA0\xC2\xA0" "b\xE3\x80\x80" "c\xE2\x80\x8B" "d\x07" "e\xE2\x80\x8D" "f");
  ASSERT_TRUE(v.accepted);
  EXPECT_EQ(v.body, "a b cde\xE2\x80\x8D" "f");
}

TEST(ContentRules, BlankLineRunsAreCutAndEdgesTrimmed) {
  EXPECT_EQ(rules().evaluate("text", "\n\n\none\n\n\n\ntwo\n\n").body, "one\n\ntwo");
  EXPECT_EQ(rules({{"max_blank_lines", 0}}).evaluate("text", "one\n\n\ntwo").body, "one\ntwo");
  EXPECT_EQ(rules({{"max_blank_lines", 3}}).evaluate("text", "one\n\n\n\n\n\ntwo").body, "one\n\n\n\ntwo");
}

TEST(ContentRules, CollapseSpacesCanBeTurnedOff) {
  auto v = rules({{"collapse_spaces", false}}).evaluate("text", "  indented   code  \nnext");
  ASSERT_TRUE(v.accepted);
  EXPECT_EQ(v.body, "  indented   code\nnext");  // trailing spaces still go
}

TEST(ContentRules, EmptyAndTooLongBodiesAreRejected) {
  EXPECT_EQ(rules().evaluate("text", " \r\n\t \xE2\x80\x8B ").reason, "empty");
  EXPECT_EQ(rules({{"min_length", 5}}).evaluate("text", "abc").reason, "too short: 3 characters, at least 5");

  const ContentRules r = rules({{"max_length", {{"text", 5}}}});
  // Length is in code points: five emoji fit, six do not.
  std::string five;
  for (int i = 0; i < 5; ++i) five += "\xF0\x9F\x98\x80";
  EXPECT_TRUE(r.evaluate("text", five).accepted);
  auto v = r.evaluate("text", five + "\xF0\x9F\x98\x80");
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.reason, "too long: 6 characters, at most 5 for kind \"text\"");
  EXPECT_EQ(v.body, five + "\xF0\x9F\x98\x80");  // a rejected body is left as it was
  // Normalization happens before the length check.
  EXPECT_TRUE(r.evaluate("text", "  a  b  ").accepted);
  EXPECT_EQ(rules({{"default_max_length", 3}}).maxLength("gif"), 3u);
  EXPECT_EQ(rules().maxLength("text"), 5000u);
}

TEST(ContentRules, InvalidUtf8IsRejected) {
  EXPECT_EQ(rules().evaluate("text", "caf\xE9").reason, "not valid UTF-8");
}

TEST(ContentRules, BannedWordsMatchWholeWordsCaseInsensitively) {
  const ContentRules r = rules({{"banned_words", {"scam", "rug pull", "CRÈME"}}});
  EXPECT_EQ(r.evaluate("text", "This is a SCAM!").reason, "banned word \"scam\"");
  EXPECT_TRUE(r.evaluate("text", "no scams, no scamming").accepted);  // whole words only
  EXPECT_TRUE(r.evaluate("text", "scampi for dinner").accepted);
  EXPECT_TRUE(r.evaluate("text", "pre_scam_post").accepted);  // '_' joins words
  // Phrases match across the whitespace normalization removes.
  EXPECT_EQ(r.evaluate("text", "another Rug   \t Pull coming").reason, "banned word \"rug pull\"");
  EXPECT_EQ(r.evaluate("text", "a\nrug pull").reason, "banned word \"rug pull\"");
  // Accented capitals fold too; a zero-width space does not hide the word.
  EXPECT_EQ(r.evaluate("text", "crème brûlée").reason, "banned word \"CRÈME\"");
  EXPECT_EQ(r.evaluate("text", "sc\xE2\x80\x8B" "am").reason, "banned word \"scam\"");
  // Emoji and punctuation separate words.
  EXPECT_EQ(r.evaluate("text", "\xF0\x9F\x98\x80scam\xF0\x9F\x98\x80").reason, "banned word \"scam\"");
}

// Case folding is Unicode's, not a table of a few blocks: accented Greek,
// Armenian and Latin Extended-B capitals fold too.
TEST(ContentRules, BannedWordsFoldEveryScript) {
  const ContentRules r = rules({{"banned_words", {"\u03AC\u03BB\u03C6\u03B1", "\u0562\u0561\u057C", "\u01C6ox"}}});
  EXPECT_EQ(r.evaluate("text", "\u0386\u039B\u03A6\u0391 now").reason, "banned word \"\u03AC\u03BB\u03C6\u03B1\"");
  EXPECT_EQ(r.evaluate("text", "\u0532\u0531\u054C!").reason, "banned word \"\u0562\u0561\u057C\"");
  EXPECT_EQ(r.evaluate("text", "\u01C4OX").reason, "banned word \"\u01C6ox\"");
}

TEST(ContentRules, BannedPatternsAreCaseInsensitivePcre) {
  const ContentRules r = rules({{"banned_patterns", {"free\\s+(sol|usdc)", "\\bt\\.me/"}}});
  EXPECT_EQ(r.evaluate("text", "Get FREE   sol now").reason, "matches banned pattern \"free\\s+(sol|usdc)\"");
  EXPECT_EQ(r.evaluate("text", "join t.me/pump").reason, "matches banned pattern \"\\bt\\.me/\"");
  EXPECT_TRUE(r.evaluate("text", "freedom").accepted);
}

TEST(ContentRules, UrlKindsNeedOneAllowedUrl) {
  const ContentRules r = rules();
  auto v = r.evaluate("image", "  https://cdn.example.com/a.png \r\n");
  ASSERT_TRUE(v.accepted) << v.reason;
  EXPECT_EQ(v.body, "https://cdn.example.com/a.png");
  EXPECT_EQ(r.evaluate("image", "http://cdn.example.com/a.png").reason,
            "URL scheme \"http\" is not allowed (allowed: https)");
  EXPECT_EQ(r.evaluate("video", "look at https://x.com/v").reason,
            "kind \"video\" needs a single URL, found whitespace inside");
  EXPECT_EQ(r.evaluate("image", "https://user:pw@cdn.example.com/a.png").reason, "the URL must not carry credentials");
  EXPECT_EQ(r.evaluate("image", "https:///a.png").reason, "the URL has no host");
  EXPECT_THAT(r.evaluate("image", "cdn.example.com/a.png").reason, HasSubstr("URL scheme"));
  // Text kinds take anything; the URL schemes are configurable.
  EXPECT_TRUE(r.evaluate("text", "http://example.com").accepted);
  const ContentRules both = rules({{"url_schemes", {"HTTP", "https"}}, {"url_kinds", {"image"}}});
  EXPECT_TRUE(both.evaluate("image", "http://cdn.example.com/a.png").accepted);
  EXPECT_TRUE(both.evaluate("video", "not a url at all").accepted);
}

TEST(ContentRules, ConfigErrorsNameTheKey) {
  auto error = [](const json& config) {
    try {
      ContentRules r(config);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_THAT(error({{"max_length", {{"text", 0}}}}), HasSubstr("max_length.text: expected an integer from 1"));
  EXPECT_THAT(error({{"max_length", 5}}), HasSubstr("max_length: expected an object"));
  EXPECT_THAT(error({{"banned_words", {"ok", 3}}}), HasSubstr("banned_words[1]: expected a non-empty string"));
  EXPECT_THAT(error({{"banned_words", {" \t"}}}), HasSubstr("is only whitespace"));
  EXPECT_THAT(error({{"banned_patterns", {"fine", "(unclosed"}}}),
              HasSubstr("banned_patterns[1]: not a valid regular expression"));
  EXPECT_THAT(error({{"url_schemes", json::array()}}), HasSubstr("url_schemes: list at least one scheme"));
  EXPECT_THAT(error({{"collapse_spaces", "yes"}}), HasSubstr("collapse_spaces: expected a boolean"));
  EXPECT_THAT(error({{"max_blank_lines", -1}}), HasSubstr("max_blank_lines"));
}

}  // namespace

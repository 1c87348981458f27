#include "cache/envelope.h"

namespace wno::host {
namespace {

constexpr char kMagic = 'W';
constexpr char kVersion = 1;

void putU16(std::string& out, size_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}

// Reads from a view, failing (not crashing) on truncated input.
struct Reader {
  std::string_view in;
  size_t pos = 0;
  bool ok = true;

  uint64_t fixed(int bytes) {
    if (pos + static_cast<size_t>(bytes) > in.size()) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
    pos += static_cast<size_t>(bytes);
    return v;
  }
  std::string_view textView() {
    const size_t n = static_cast<size_t>(fixed(2));
    if (!ok || pos + n > in.size()) {
      ok = false;
      return {};
    }
    std::string_view s = in.substr(pos, n);
    pos += n;
    return s;
  }
  std::string text() { return std::string(textView()); }
};

}  // namespace

std::string encodeEnvelope(const CacheEnvelope& e) {
  std::string out;
  out.reserve(16 + e.region.size() + e.value.size() + e.tags.size() * 16);
  out.push_back(kMagic);
  out.push_back(kVersion);
  const auto bits = static_cast<uint64_t>(e.logicalExpiresAtMs);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  // Region and tag names are short identifiers; longer ones are cut at 64 KiB
  // by the u16 length rather than corrupting the layout.
  auto putText = [&](const std::string& s) {
    const size_t n = std::min<size_t>(s.size(), 0xffff);
    putU16(out, n);
    out.append(s, 0, n);
  };
  putText(e.region);
  const size_t tags = std::min<size_t>(e.tags.size(), 0xffff);
  putU16(out, tags);
  for (size_t i = 0; i < tags; ++i) putText(e.tags[i]);
  out.append(e.value);
  return out;
}

std::optional<CacheEnvelope> decodeEnvelope(std::string_view bytes) {
  if (bytes.size() < 2 || bytes[0] != kMagic || bytes[1] != kVersion) return std::nullopt;
  Reader r{bytes, 2};
  CacheEnvelope e;
  e.logicalExpiresAtMs = static_cast<int64_t>(r.fixed(8));
  e.region = r.text();
  const size_t tags = static_cast<size_t>(r.fixed(2));
  for (size_t i = 0; i < tags && r.ok; ++i) e.tags.push_back(r.text());
  if (!r.ok) return std::nullopt;
  e.value.assign(bytes.substr(r.pos));
  return e;
}

std::optional<EnvelopeView> viewEnvelope(std::string_view bytes, bool withTags) {
  if (bytes.size() < 2 || bytes[0] != kMagic || bytes[1] != kVersion) return std::nullopt;
  Reader r{bytes, 2};
  EnvelopeView e;
  e.logicalExpiresAtMs = static_cast<int64_t>(r.fixed(8));
  e.region = r.textView();
  const size_t tags = static_cast<size_t>(r.fixed(2));
  if (withTags) e.tags.reserve(tags);
  for (size_t i = 0; i < tags && r.ok; ++i) {
    std::string_view tag = r.textView();
    if (withTags) e.tags.push_back(tag);
  }
  if (!r.ok) return std::nullopt;
  e.value = bytes.substr(r.pos);
  return e;
}

}  // namespace wno::host

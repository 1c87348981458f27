#include "http/router.h"

#include <gtest/gtest.h>

namespace wno::host::http {
namespace {

Router makeRouter() {
  Router router;
  auto noop = [](RequestContext&) {};
  router.add("GET", "/api/v1/{collection}", RouteGroup::Api, noop);
  router.add("POST", "/api/v1/{collection}", RouteGroup::Api, noop);
  router.add("GET", "/api/v1/{collection}/{id}", RouteGroup::Api, noop);
  router.add("GET", "/api/v1/jobs", RouteGroup::Api, noop);
  router.add("GET", "/api/v1/jobs/{id}", RouteGroup::Api, noop);
  router.add("GET", "/livez", RouteGroup::Health, noop);
  return router;
}

TEST(Router, CapturesPathParameters) {
  Router router = makeRouter();
  auto match = router.match("GET", "/api/v1/users/42");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/api/v1/{collection}/{id}");
  EXPECT_EQ(match.params["collection"], "users");
  EXPECT_EQ(match.params["id"], "42");
}

TEST(Router, LiteralSegmentsWinOverCaptures) {
  Router router = makeRouter();
  auto match = router.match("GET", "/api/v1/jobs/abc");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/api/v1/jobs/{id}");
}

TEST(Router, WrongMethodOnALiteralRouteIs405NotACaptureFallthrough) {
  Router router = makeRouter();
  auto match = router.match("POST", "/api/v1/jobs");
  EXPECT_EQ(match.route, nullptr);
  ASSERT_EQ(match.allowedMethods.size(), 1u);
  EXPECT_EQ(match.allowedMethods[0], "GET");
}

TEST(Router, UnknownPathHasNoAllowedMethods) {
  Router router = makeRouter();
  auto match = router.match("GET", "/nope/x/y/z");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.allowedMethods.empty());
}

TEST(Router, HeadIsServedByGet) {
  Router router = makeRouter();
  auto match = router.match("HEAD", "/livez");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->method, "GET");
}

TEST(Router, IgnoresEmptySegments) {
  EXPECT_EQ(splitPath("//a///b/"), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace wno::host::http

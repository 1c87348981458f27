// TCP settings every connection to PostgreSQL gets, unless its URL names
// them: keepalives, and a user timeout for data (or a SYN) left
// unacknowledged. Together they tell a server that is gone (a dead host, a
// dropped route, a failover) from one that is only slow: the kernel of a
// live server acknowledges at once even while the postmaster takes tens of
// seconds to hand out a session. So a connect can wait as long as the
// server is alive instead of being given up on a timer and queued again at
// the back of a busy postmaster's line, and a gone server is still noticed
// within about ten seconds.
#pragma once

#include <string>

namespace wno::pg {

struct LivenessSetting {
  const char* key;
  const char* value;
};

inline constexpr LivenessSetting kLivenessSettings[] = {
    {"keepalives", "1"},
    {"keepalives_idle", "5"},
    {"keepalives_interval", "2"},
    {"keepalives_count", "3"},
    {"tcp_user_timeout", "10000"},
};

// Whether a libpq URL or key=value string sets `key` itself.
bool namesConnectionKey(const std::string& url, const std::string& key);

}  // namespace wno::pg

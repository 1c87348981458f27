// base64url without padding (RFC 4648 section 5), for tokens that travel in
// URLs: cursors. Written out because Poco's encoder is an iostream filter,
// which cost a stream, its buffers and a copy per token on every list page.
#pragma once

#include <string>
#include <string_view>

namespace wno::host {

// Appends the encoding of `bytes` to `out`.
void appendBase64Url(std::string& out, std::string_view bytes);

// Decodes `text` into `out` (replacing it). False for a character outside
// the URL alphabet, padding, or a length no encoding has (4n+1).
bool decodeBase64Url(std::string_view text, std::string& out);

}  // namespace wno::host

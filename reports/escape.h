// Escaping for every output format reports write, and base64 for the PNGs
// embedded in report.html. Everything the SUT, its log or its command line
// produced passes through one of these before it reaches a report.
#pragma once

#include <string>
#include <string_view>

namespace soak {

/// Text for HTML element content and double-quoted attribute values:
/// & < > " ' become entities. Invalid UTF-8 bytes become U+FFFD so a binary
/// log line cannot break the document's encoding.
std::string html_escape(std::string_view text);

/// Text for XML content and attributes (JUnit): like html_escape, and control
/// characters XML 1.0 forbids (all below 0x20 except TAB, LF, CR) are dropped.
std::string xml_escape(std::string_view text);

/// A Markdown table cell: '|' escaped, newlines folded to spaces, and
/// characters GitHub would read as markup (` * _ < > [ ] \) backslash-escaped.
std::string markdown_cell(std::string_view text);

/// The message part of a GitHub workflow command (`::error ...::MESSAGE`):
/// % -> %25, CR -> %0D, LF -> %0A.
std::string workflow_escape_data(std::string_view text);

/// A property value of a workflow command (`title=VALUE`): as
/// workflow_escape_data, plus ':' -> %3A and ',' -> %2C.
std::string workflow_escape_property(std::string_view text);

/// RFC 4648 base64 with padding (for data: URIs).
std::string base64_encode(std::string_view bytes);

}  // namespace soak

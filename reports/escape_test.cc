#include "reports/escape.h"

#include <gtest/gtest.h>

namespace soak {
namespace {

TEST(HtmlEscape, EscapesMarkupAndQuotes) {
  EXPECT_EQ(html_escape("<script>alert('x&y')</script> \"q\""),
            "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt; &quot;q&quot;");
}

TEST(HtmlEscape, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(html_escape("µs ✓"), "µs ✓");
  EXPECT_EQ(html_escape(std::string("a\xff" "b")), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(html_escape(std::string("\xC3")), "\xEF\xBF\xBD");  // truncated sequence
}

TEST(XmlEscape, DropsControlCharactersXmlCannotCarry) {
  EXPECT_EQ(xml_escape(std::string("a\x01\x1b[31mb\tc\n")), "a[31mb\tc\n");
  EXPECT_EQ(xml_escape("x<y&z"), "x&lt;y&amp;z");
}

TEST(MarkdownCell, EscapesPipesAndFoldsNewlines) {
  EXPECT_EQ(markdown_cell("a|b\nc <d> *e*"), "a\\|b c \\<d\\> \\*e\\*");
}

TEST(WorkflowEscape, DataEscapesPercentCrLf) {
  EXPECT_EQ(workflow_escape_data("100% of a:b,c\r\nnext"), "100%25 of a:b,c%0D%0Anext");
}

TEST(WorkflowEscape, PropertyAlsoEscapesColonAndComma) {
  EXPECT_EQ(workflow_escape_property("rss=2MiB/h: 50%, up\n"), "rss=2MiB/h%3A 50%25%2C up%0A");
}

TEST(Base64, MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\x89PNG\0\xff", 6)), "iVBORwD/");
}

}  // namespace
}  // namespace soak

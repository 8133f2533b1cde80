#include "core/escpos.h"

#include <gtest/gtest.h>

#include "core/base64.h"

namespace aisle::core {
namespace {

using namespace std::string_literals;

// The bytes every gb18030 document starts with: ESC @ (initialise), FS & (Chinese character mode).
const std::string kGbStart = "\x1b@\x1c&";
// utf8: ESC @, FS . (Chinese mode off), FS ( C 2 0 48 2 (UTF-8).
const std::string kUtf8Start = "\x1b@\x1c.\x1c(C\x02\x00\x30\x02"s;

std::string Encode(const std::string& json) {
  auto doc = ParsePrintDocument(Json::parse(json));
  EXPECT_TRUE(doc) << json << ": " << doc.error().message;
  return doc ? EncodeEscPos(*doc) : "";
}

std::string Gb(const std::string& lines) { return R"({"columns":16,"encoding":"gb18030","lines":[)" + lines + "]}"; }

TEST(EscPos, EncodesEachKindOfLine) {
  const struct {
    const char* what;
    std::string json;
    std::string bytes;
  } kCases[] = {
      {"plain text", Gb(R"({"type":"text","text":"Hello"})"), kGbStart + "Hello\n"},
      {"Chinese in GBK", Gb(R"({"type":"text","text":"中文"})"), kGbStart + "\xd6\xd0\xce\xc4\n"},
      {"centred, bold, double size",
       Gb(R"({"type":"text","text":"X","align":"center","bold":true,"double":true})"),
       kGbStart + "\x1b" "E\x01\x1b" "a\x01\x1d!\x11X\n\x1d!\x00\x1b" "a\x00\x1b" "E\x00"s},
      {"right aligned", Gb(R"({"type":"text","text":"R","align":"right"})"),
       kGbStart + "\x1b" "a\x02R\n\x1b" "a\x00"s},
      {"a row that fits: ¥ as fullwidth ￥ (A3A4), amount right-aligned",
       Gb(R"({"type":"row","left":"Tea","right":"¥12.00"})"), kGbStart + "Tea      \xa3\xa4" "12.00\n"},
      {"a row whose left text wraps at spaces beside the amount",
       Gb(R"({"type":"row","left":"Green tea large bottle","right":"12.00"})"),
       kGbStart + "Green tea  12.00\nlarge\nbottle\n"},
      {"a right text wider than half the paper goes below",
       Gb(R"({"type":"row","left":"Ref","right":"0123456789ABC"})"), kGbStart + "Ref\n   0123456789ABC\n"},
      {"CJK wraps between characters, 8 to a 16-column line",
       Gb(R"({"type":"text","text":"一二三四五六七八九十"})"),
       kGbStart + "\xd2\xbb\xb6\xfe\xc8\xfd\xcb\xc4\xce\xe5\xc1\xf9\xc6\xdf\xb0\xcb\n\xbe\xc5\xca\xae\n"},
      {"a wide character never straddles the edge", Gb(R"({"type":"text","text":"abcdefghijklmno中"})"),
       kGbStart + "abcdefghijklmno\n\xd6\xd0\n"},
      {"a word longer than the line is cut", Gb(R"({"type":"text","text":"abcdefghijklmnopqrs"})"),
       kGbStart + "abcdefghijklmnop\nqrs\n"},
      {"newline breaks the line", Gb(R"({"type":"text","text":"a\nb"})"), kGbStart + "a\nb\n"},
      {"control characters print as ?", Gb(R"({"type":"text","text":"A\u001bB\u0007"})"), kGbStart + "A?B?\n"},
      {"stand-ins: − as -, ¥ as ￥", Gb(R"({"type":"text","text":"−¥1"})"), kGbStart + "-\xa3\xa4" "1\n"},
      {"outside GBK prints as ?", Gb(R"({"type":"text","text":"ok😀"})"), kGbStart + "ok?\n"},
      {"rule", Gb(R"({"type":"rule"},{"type":"rule","char":"="})"),
       kGbStart + "----------------\n================\n"},
      {"feed and cuts", Gb(R"({"type":"feed","lines":3},{"type":"cut"},{"type":"cut","partial":true})"),
       kGbStart + "\x1b" "d\x03\x1dV" "A\x00\x1dV" "B\x00"s},
      {"QR code: model 2, size, error correction, store, print",
       Gb(R"({"type":"qr","data":"https://a.b/r/1","size":4,"ec":"Q"})"),
       kGbStart + "\x1b" "a\x01"
                              "\x1d(k\x04\x00" "1A2\x00"
                              "\x1d(k\x03\x00" "1C\x04"
                              "\x1d(k\x03\x00" "1E2"
                              "\x1d(k\x12\x00" "1P0https://a.b/r/1"
                              "\x1d(k\x03\x00" "1Q0"
                              "\n\x1b" "a\x00"s},
      {"utf8: raw UTF-8 after FS ( C", R"({"columns":32,"encoding":"utf8","lines":[{"type":"text","text":"中¥😀"}]})",
       kUtf8Start + "中¥😀\n"},
      {"utf8: CJK counts two columns",
       R"({"columns":16,"encoding":"utf8","lines":[{"type":"row","left":"中文中文","right":"¥1.00"}]})",
       kUtf8Start + "中文中文   ¥1.00\n"},
  };
  for (const auto& c : kCases) EXPECT_EQ(Encode(c.json), c.bytes) << c.what;
}

TEST(EscPos, BadDocumentsNameTheField) {
  const struct {
    std::string json;
    const char* code;
    const char* field;
  } kCases[] = {
      {R"({"columns":10,"encoding":"gb18030","lines":[]})", "invalid_columns", "columns"},
      {R"({"columns":"32","encoding":"gb18030","lines":[]})", "invalid_type", "columns"},
      {R"({"columns":32,"encoding":"latin1","lines":[]})", "invalid_encoding", "encoding"},
      {R"({"columns":32,"encoding":"utf8"})", "missing_field", "lines"},
      {Gb(R"({"type":"text","text":"a"},{"type":"barcode"})"), "invalid_line_type", "lines[1].type"},
      {Gb(R"({"type":"text","text":"a","align":"middle"})"), "invalid_align", "lines[0].align"},
      {Gb(R"({"type":"text","text":"a","bold":"yes"})"), "invalid_type", "lines[0].bold"},
      {Gb(R"({"type":"text"})"), "missing_field", "lines[0].text"},
      {Gb(R"({"type":"row","right":"1.00"})"), "missing_field", "lines[0].left"},
      {Gb(R"({"type":"qr","data":""})"), "invalid_qr", "lines[0].data"},
      {Gb(R"({"type":"qr","data":"x","ec":"Z"})"), "invalid_qr", "lines[0].ec"},
      {Gb(R"({"type":"qr","data":"x","size":17})"), "invalid_qr", "lines[0].size"},
      {Gb(R"({"type":"feed","lines":50})"), "invalid_feed", "lines[0].lines"},
      {Gb(R"({"type":"rule","char":"ab"})"), "invalid_rule", "lines[0].char"},
      {Gb(R"("text")"), "invalid_type", "lines[0]"},
      {Gb(R"({"type":"text","text":")" + std::string(2001, 'x') + "\"}"), "text_too_long", "lines[0].text"},
  };
  for (const auto& c : kCases) {
    auto doc = ParsePrintDocument(Json::parse(c.json));
    ASSERT_FALSE(doc) << c.json;
    EXPECT_EQ(doc.error().code, c.code) << c.json;
    EXPECT_EQ(doc.error().field, c.field) << c.json;
  }
  EXPECT_EQ(EscPosEncodeJson("{"), R"({"error":{"code":"invalid_json","field":"","message":"the body is not valid JSON"}})");
}

TEST(EscPos, ColumnsAndWrapping) {
  EXPECT_EQ(TextColumns("abc", PrintEncoding::kGb18030), 3);
  EXPECT_EQ(TextColumns("中文", PrintEncoding::kGb18030), 4);
  EXPECT_EQ(TextColumns("中文", PrintEncoding::kUtf8), 4);
  EXPECT_EQ(TextColumns("¥", PrintEncoding::kGb18030), 2);  // printed as ￥
  EXPECT_EQ(TextColumns("¥", PrintEncoding::kUtf8), 1);
  EXPECT_EQ(TextColumns("😀", PrintEncoding::kGb18030), 1);  // '?'
  EXPECT_EQ(TextColumns("😀", PrintEncoding::kUtf8), 2);
  EXPECT_EQ(WrapText("", 16, PrintEncoding::kUtf8), std::vector<std::string>{""});
  EXPECT_EQ(WrapText("aaa bbb", 3, PrintEncoding::kUtf8), (std::vector<std::string>{"aaa", "bbb"}));
  EXPECT_EQ(WrapText("中文中", 5, PrintEncoding::kUtf8), (std::vector<std::string>{"中文", "中"}));
  EXPECT_EQ(WrapText("中文abc def", 6, PrintEncoding::kUtf8), (std::vector<std::string>{"中文", "abc", "def"}));
  // A malformed byte is one column and never joins its neighbours.
  EXPECT_EQ(WrapText("a\xff" "b", 2, PrintEncoding::kUtf8), (std::vector<std::string>{"a\xff", "b"}));
}

TEST(EscPos, JsonAnswerCarriesBase64) {
  EXPECT_EQ(EscPosEncodeJson(R"({"columns":32,"encoding":"gb18030","lines":[{"type":"cut"}]})"),
            R"({"bytes":8,"data":"G0AcJh1WQQA="})");
}

TEST(Base64, RoundTripsAndRefusesWhatIsNotBase64) {
  const struct {
    std::string bytes;
    std::string text;
  } kCases[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foobar", "Zm9vYmFy"},
                {"\x00\xff\x10"s, "AP8Q"}};
  for (const auto& c : kCases) {
    EXPECT_EQ(Base64Encode(c.bytes), c.text);
    auto back = Base64Decode(c.text);
    ASSERT_TRUE(back) << c.text;
    EXPECT_EQ(*back, c.bytes);
  }
  for (const char* bad : {"Zg=", "Z===", "Zg=a", "Zg==Zg==", "Zm9v\n", "Zm9*"}) {
    EXPECT_FALSE(Base64Decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace aisle::core

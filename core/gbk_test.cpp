// The checked-in GBK table (core/gbk_table.inc) against glibc's iconv("GB18030")
// for every BMP code point: where iconv gives two bytes (outside the private
// use area) core gives the same two; everywhere else core has no code and the
// ESC/POS encoder prints '?'. Native only: WASM has no iconv.
#include "core/gbk.h"

#include <iconv.h>

#include <gtest/gtest.h>

#include "core/escpos.h"

namespace aisle::core {
namespace {

std::string Iconv(iconv_t cd, const std::string& utf8) {
  std::string in = utf8;
  std::string out(in.size() * 4 + 4, '\0');
  char* in_ptr = in.data();
  char* out_ptr = out.data();
  size_t in_left = in.size();
  size_t out_left = out.size();
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) == static_cast<size_t>(-1)) return "";
  out.resize(out.size() - out_left);
  return out;
}

std::string Utf8(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

TEST(Gbk, TableMatchesGlibcIconvForEveryBmpCodePoint) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  ASSERT_NE(cd, reinterpret_cast<iconv_t>(-1));
  int covered = 0;
  int mismatches = 0;
  for (char32_t cp = 0x80; cp <= 0xFFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const std::string gb = Iconv(cd, Utf8(cp));
    const bool pua = cp >= 0xE000 && cp <= 0xF8FF;
    const uint16_t expected =
        gb.size() == 2 && !pua ? static_cast<uint16_t>(static_cast<unsigned char>(gb[0]) << 8 | static_cast<unsigned char>(gb[1])) : 0;
    if (GbkCode(cp) != expected && ++mismatches <= 10) {
      ADD_FAILURE() << std::hex << "U+" << static_cast<uint32_t>(cp) << ": core " << GbkCode(cp) << ", iconv " << expected;
    }
    if (expected != 0) ++covered;
  }
  iconv_close(cd);
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(covered, 21000);  // GBK's 21,886 characters less the private use area
  std::cout << covered << " BMP code points in GBK, each as iconv encodes it\n";
}

TEST(Gbk, EncoderPrintsWhatIconvEncodes) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  ASSERT_NE(cd, reinterpret_cast<iconv_t>(-1));
  for (const std::string text : {"上海南京西路店 SH01", "X 报表（当前）", "应有 预期 差异 −¥4.00", "收银员 1001 · 2026-11-26"}) {
    PrintDocument doc{48, PrintEncoding::kGb18030, {PrintLine{}}};
    doc.lines[0].text = text;
    std::string expected = Iconv(cd, text);
    // Not in GBK, where iconv gives four-byte codes: core prints ¥ as the fullwidth ￥ (A3 A4), − as '-'.
    for (const auto& [four, stand_in] : {std::pair<std::string, std::string>{"\x81\x30\x84\x36", "\xa3\xa4"},
                                         std::pair<std::string, std::string>{"\x81\x36\xd3\x31", "-"}}) {
      for (size_t at; (at = expected.find(four)) != std::string::npos;) expected.replace(at, 4, stand_in);
    }
    EXPECT_EQ(EncodeEscPos(doc), "\x1b@\x1c&" + expected + "\n") << text;
  }
  iconv_close(cd);
}

}  // namespace
}  // namespace aisle::core

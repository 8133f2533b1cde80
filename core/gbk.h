// GBK: the two-byte part of GB18030, what Chinese thermal printers print in
// their Chinese character mode. core's ESC/POS encoder (core/escpos.h) needs
// it in WebAssembly too, where there is no iconv, so the mapping is a table
// generated from glibc's iconv("GB18030") by tools/gen_gbk_table.cpp and
// checked in (core/gbk_table.inc, about 20 KB of data in core.wasm).
// core/gbk_test.cpp checks it against iconv for every BMP code point.
// Pure and thread-safe (constant data only).
#ifndef AISLE_CORE_GBK_H_
#define AISLE_CORE_GBK_H_

#include <cstdint>

namespace aisle::core {

// The GBK code after `code` in GBK's own order: the next trail byte (0x7F is
// never one), then the next lead byte. The areas GBK added to GB2312 (lead
// 81-A0 with trails 40-FE, lead AA-FE with trails 40-A0) list their characters
// in Unicode order, so most of the table is "the next code" and is stored as a
// bit (tools/gen_gbk_table.cpp); GB2312's own area (trails A1-FE) is in pinyin
// order and stored code by code.
constexpr uint16_t NextGbkCode(uint16_t code) {
  unsigned lead = code >> 8;
  unsigned trail = (code & 0xFFu) + 1;
  if (trail == 0x7F) ++trail;
  const unsigned was = code & 0xFFu;
  const bool gbk3 = lead >= 0x81 && lead <= 0xA0;
  const bool gbk4 = lead >= 0xAA && was <= 0xA0;
  const unsigned last = gbk4 && !gbk3 ? 0xA0 : 0xFE;
  if (trail > last) {
    ++lead;
    trail = gbk3 || gbk4 ? 0x40 : 0xA1;
  }
  return static_cast<uint16_t>(lead << 8 | trail);
}

// Whether `code` lies in an area NextGbkCode walks in Unicode order.
constexpr bool InGbkExtension(uint16_t code) { return (code >> 8) < 0xA1 || (code & 0xFFu) < 0xA1; }

// The two GB18030 bytes of a BMP code point as one number (lead byte high),
// or 0 when the table does not cover it: ASCII, code points GB18030 only
// encodes in four bytes, the private use area and everything past U+FFFF.
uint16_t GbkCode(char32_t code_point);

}  // namespace aisle::core

#endif  // AISLE_CORE_GBK_H_

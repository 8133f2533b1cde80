// GBK: the two-byte part of GB18030, what Chinese thermal printers print in
// their Chinese character mode. core's ESC/POS encoder (core/escpos.h) needs
// it in WebAssembly too, where there is no iconv, so the mapping is a table
// generated from glibc's iconv("GB18030") by tools/gen_gbk_table.cpp and
// checked in (core/gbk_table.inc, about 44 KB of data in core.wasm).
// core/gbk_test.cpp checks it against iconv for every BMP code point.
// Pure and thread-safe (constant data only).
#ifndef AISLE_CORE_GBK_H_
#define AISLE_CORE_GBK_H_

#include <cstdint>

namespace aisle::core {

// The two GB18030 bytes of a BMP code point as one number (lead byte high),
// or 0 when the table does not cover it: ASCII, code points GB18030 only
// encodes in four bytes, the private use area and everything past U+FFFF.
uint16_t GbkCode(char32_t code_point);

}  // namespace aisle::core

#endif  // AISLE_CORE_GBK_H_

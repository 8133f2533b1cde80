// ESC/POS: a small print document (what a receipt or an X/Z report says, line
// by line) and the bytes a thermal receipt printer takes for it. The terminal
// builds the document in TypeScript, core.wasm turns it into bytes
// (escposEncode), and aisled relays them to a network printer or the browser
// writes them to a Bluetooth one. Layout (columns, wrapping, two-column rows)
// is done here, so both paper widths and both encodings behave the same
// everywhere. docs/printing.md describes the document; pure and thread-safe.
//
// The document as JSON:
//   {"columns": 32 | 48 (16..64: 32 for 58 mm paper, 48 for 80 mm),
//    "encoding": "gb18030" | "utf8",
//    "lines": [
//      {"type": "text", "text": "…", "align": "left|center|right", "bold": false, "double": false},
//      {"type": "row", "left": "…", "right": "¥12.00", "bold": false},
//      {"type": "rule", "char": "-"},
//      {"type": "qr", "data": "https://…", "size": 6 (1..16), "ec": "L|M|Q|H"},
//      {"type": "feed", "lines": 1 (1..20)},
//      {"type": "cut", "partial": false}]}
#ifndef AISLE_CORE_ESCPOS_H_
#define AISLE_CORE_ESCPOS_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/json_read.h"
#include "core/result.h"

namespace aisle::core {

// gb18030: GBK bytes in the printer's Chinese character mode (FS &), what
// Chinese thermal printers expect; ¥ prints as ￥ and − as -, other
// characters GBK lacks as '?'.
// utf8: UTF-8 after Epson's FS ( C "select character encoding system".
enum class PrintEncoding { kGb18030, kUtf8 };
enum class PrintAlign { kLeft, kCenter, kRight };

struct PrintLine {
  enum class Kind { kText, kRow, kRule, kQr, kFeed, kCut };
  Kind kind = Kind::kText;
  std::string text;   // text: the text; row: the left column; qr: the data
  std::string right;  // row: the right column (an amount)
  PrintAlign align = PrintAlign::kLeft;
  bool bold = false;
  bool double_size = false;  // text only: double width and height, half the columns
  int number = 0;            // qr: module size; feed: lines
  char symbol = '-';         // rule: the character repeated; qr: error correction L/M/Q/H
  bool partial = false;      // cut
};

struct PrintDocument {
  int columns = 32;
  PrintEncoding encoding = PrintEncoding::kGb18030;
  std::vector<PrintLine> lines;
};

// Checks and reads the JSON document; errors name the field ("lines[3].align").
Result<PrintDocument> ParsePrintDocument(const Json& doc);

// The printer's bytes: ESC @, the encoding's mode, then each line.
std::string EncodeEscPos(const PrintDocument& doc);

// How many columns the text takes on the printer: for gb18030 one per byte
// (GBK characters are full width, ASCII half), for utf8 two for East Asian
// wide and fullwidth characters, one for the others.
int TextColumns(std::string_view utf8, PrintEncoding encoding);

// The text in lines of at most `columns` columns: at the last space that
// fits or beside a wide (CJK) character, else between two characters (never
// inside one); "\n" breaks a line.
std::vector<std::string> WrapText(std::string_view utf8, int columns, PrintEncoding encoding);

// escposEncode(json) -> {"bytes": N, "data": "<base64 of the ESC/POS bytes>"}, or an error.
std::string EscPosEncodeJson(std::string_view input);

}  // namespace aisle::core

#endif  // AISLE_CORE_ESCPOS_H_

// Barcode validation and normalisation for the retail symbologies a handheld
// scans at the shelf: EAN-13, EAN-8 and UPC-A (GTIN-13/8/12).
//
// A scanner in keyboard-wedge mode types digits followed by Enter or Tab, and
// people type with stray spaces: NormalizeBarcode trims surrounding white
// space and control characters, checks the digits and the GS1 check digit,
// and returns the canonical key the catalog is indexed by: 13 digits for
// EAN-13 and UPC-A (UPC-A gets its leading 0), 8 digits for EAN-8.
// Pure functions, no state.
#ifndef AISLE_CORE_BARCODE_H_
#define AISLE_CORE_BARCODE_H_

#include <string>
#include <string_view>

#include "core/result.h"

namespace aisle::core {

enum class Symbology { kEan13, kEan8, kUpcA };

struct Barcode {
  std::string gtin;      // canonical digits: 13 (EAN-13, UPC-A) or 8 (EAN-8)
  Symbology symbology;   // what was scanned
};

std::string_view SymbologyName(Symbology s);

// The GS1 check digit of `digits` (the code without its check digit).
int GS1CheckDigit(std::string_view digits);

// Validates and normalises a scanned or typed code. Errors:
// barcode_empty, barcode_not_numeric, barcode_invalid_length,
// barcode_bad_check_digit.
Result<Barcode> NormalizeBarcode(std::string_view input);

}  // namespace aisle::core

#endif  // AISLE_CORE_BARCODE_H_

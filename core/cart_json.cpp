#include "core/cart_json.h"

#include "core/barcode.h"

namespace aisle::core {
namespace {

Result<CartLine> LineFromJson(const Json& item, const std::string& path) {
  if (!item.is_object()) return WrongType(path, "an object");
  CartLine line;
  auto barcode = ReadString(item, "barcode", path);
  if (!barcode) return barcode.error();
  auto normalized = NormalizeBarcode(*barcode);
  if (!normalized) {
    Error e = normalized.error();
    e.field = JoinPath(path, "barcode");
    return e;
  }
  line.barcode = std::move(normalized->gtin);
  auto sku = ReadOptionalString(item, "sku", path);
  if (!sku) return sku.error();
  line.sku = sku->value_or("");
  auto qty = ReadInt(item, "qty", path);
  if (!qty) return qty.error();
  line.qty = *qty;
  auto price = ReadInt(item, "unit_price", path);
  if (!price) return price.error();
  line.unit_price = *price;
  auto rate = ReadInt(item, "tax_rate_bp", path);
  if (!rate) return rate.error();
  if (*rate < 0 || *rate > kMaxTaxRateBp) {
    return Error::Make("invalid_tax_rate", "tax rate must be 0..10000 basis points",
                       JoinPath(path, "tax_rate_bp"));
  }
  line.tax_rate_bp = static_cast<int32_t>(*rate);
  auto sold_by = ReadOptionalString(item, "sold_by", path);
  if (!sold_by) return sold_by.error();
  if (sold_by->has_value()) {
    auto parsed = ParseSoldBy(**sold_by);
    if (!parsed) return Error::Make("invalid_sold_by", parsed.error().message, JoinPath(path, "sold_by"));
    line.sold_by = *parsed;
  }
  if (auto ok = ValidateLine(line, path); !ok) return ok.error();
  return line;
}

}  // namespace

Result<Cart> CartFromJson(const Json& input) {
  if (!input.is_object()) return WrongType("(body)", "an object");
  auto code = ReadOptionalString(input, "currency", "");
  if (!code) return code.error();
  auto currency = FindCurrency(code->value_or("CNY"));
  if (!currency) return Error::Make("unknown_currency", currency.error().message, "currency");
  auto lines = ReadArray(input, "lines", "");
  if (!lines) return lines.error();
  if ((*lines)->size() > kMaxCartLines) {
    return Error::Make("too_many_lines", "a cart holds at most 1000 lines", "lines");
  }
  Cart cart{*currency, {}};
  cart.lines.reserve((*lines)->size());
  for (size_t i = 0; i < (*lines)->size(); ++i) {
    auto line = LineFromJson((**lines)[i], IndexPath("lines", i));
    if (!line) return line.error();
    cart.lines.push_back(std::move(*line));
  }
  return cart;
}

Json PricedCartToJson(const PricedCart& cart) {
  Json lines = Json::array();
  for (const PricedLine& p : cart.lines) {
    Json line = {{"barcode", p.line.barcode},     {"qty", p.line.qty},
                 {"unit_price", p.line.unit_price}, {"tax_rate_bp", p.line.tax_rate_bp},
                 {"sold_by", SoldByName(p.line.sold_by)}, {"gross", p.gross},
                 {"net", p.net},                  {"tax", p.tax}};
    if (!p.line.sku.empty()) line["sku"] = p.line.sku;
    lines.push_back(std::move(line));
  }
  return Json{{"currency", cart.currency.code}, {"lines", std::move(lines)}, {"total", cart.total},
              {"net", cart.net},                 {"tax", cart.tax},           {"units", cart.units}};
}

std::string PriceCartJson(std::string_view input) {
  auto parsed = ParseJson(input);
  if (!parsed) return ToCanonicalJson(ErrorToJson(parsed.error()));
  auto cart = CartFromJson(*parsed);
  if (!cart) return ToCanonicalJson(ErrorToJson(cart.error()));
  auto priced = PriceCart(*cart);
  if (!priced) return ToCanonicalJson(ErrorToJson(priced.error()));
  return ToCanonicalJson(PricedCartToJson(*priced));
}

std::string NormalizeBarcodeJson(std::string_view code) {
  auto barcode = NormalizeBarcode(code);
  if (!barcode) return ToCanonicalJson(ErrorToJson(barcode.error()));
  return ToCanonicalJson(
      Json{{"barcode", barcode->gtin}, {"symbology", SymbologyName(barcode->symbology)}});
}

std::string CashChangeJson(std::string_view input) {
  auto parsed = ParseJson(input);
  if (!parsed) return ToCanonicalJson(ErrorToJson(parsed.error()));
  auto total = ReadInt(*parsed, "total", "");
  if (!total) return ToCanonicalJson(ErrorToJson(total.error()));
  auto tendered = ReadInt(*parsed, "tendered", "");
  if (!tendered) return ToCanonicalJson(ErrorToJson(tendered.error()));
  if (*total < 0) {
    return ToCanonicalJson(ErrorToJson(Error::Make("invalid_amount", "total must not be negative", "total")));
  }
  if (*tendered < *total) {
    return ToCanonicalJson(ErrorToJson(
        Error::Make("tender_insufficient", "tendered amount does not cover the total", "tendered")));
  }
  return ToCanonicalJson(Json{{"change", *tendered - *total}});
}

}  // namespace aisle::core

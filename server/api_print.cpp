// The print routes (docs/printing.md): the store's network printers, and the
// relay of ESC/POS bytes that the terminal encoded with core.wasm to one of
// them. A device prints to its own store's printers only. The document's
// bytes are never logged nor stored.
#include "core/base64.h"
#include "core/json_read.h"
#include "server/admin_service.h"
#include "server/api.h"

namespace aisle::server {
namespace {

using core::Error;

constexpr size_t kMaxPrintBytes = 256 * 1024;

}  // namespace

std::string Api::DeviceStore(const Call& call) {
  return call.device ? call.device->store_id : call.session.store_id;
}

ApiResponse Api::ListPrintersRoute(Call& call) {
  return JsonResponse(200, ListPrinters(store_, DeviceStore(call)));
}

ApiResponse Api::PrintRoute(Call& call) {
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  if (!body->is_object()) return ErrorResponse(core::WrongType("(body)", "an object"));
  auto printer_id = core::ReadString(*body, "printer_id", "");
  if (!printer_id) return ErrorResponse(printer_id.error());
  auto data = core::ReadString(*body, "data", "");
  if (!data) return ErrorResponse(data.error());
  auto bytes = core::Base64Decode(*data);
  if (!bytes) return ErrorResponse(Error::Make(bytes.error().code, "data: " + bytes.error().message, "data"));
  if (bytes->empty() || bytes->size() > kMaxPrintBytes) {
    return ErrorResponse(Error::Make("invalid_data", "data must hold 1 to " + std::to_string(kMaxPrintBytes) +
                                                         " bytes of ESC/POS", "data"));
  }
  auto printer = FindPrinter(store_, *printer_id);
  if (!printer) return ErrorResponse(Error::Make("printer_not_found", "no printer " + *printer_id, "printer_id"));
  if (printer->store_id != DeviceStore(call)) {
    return ErrorResponse(Error::Make("printer_other_store",
                                     "printer " + *printer_id + " belongs to another store: print to your store's printers",
                                     "printer_id"));
  }
  if (auto sent = SendToPrinter(printer->host, printer->port, *bytes, options_.print_timeouts); !sent) {
    return ErrorResponse(sent.error());
  }
  return JsonResponse(200, {{"status", "printed"}, {"printer_id", printer->printer_id}, {"bytes", bytes->size()}});
}

}  // namespace aisle::server

// Remote approval routes (server/approval_requests.h): the asking device
// posts a request and polls it; the store's managers list the pending ones
// and decide. Every change nudges live connections ({"type":"approvals"}) so
// the managers' devices and the asking one need not wait for a poll.
#include "core/json_read.h"
#include "server/api.h"
#include "server/approval_requests.h"

namespace aisle::server {
namespace {

using nlohmann::json;

ApiResponse FromResult(int status, const core::Result<json>& result) {
  return result ? JsonResponse(status, *result) : ErrorResponse(result.error());
}

}  // namespace

void Api::NudgeApprovals(const std::string& store_id, const std::string& request_id) {
  live_.Publish(json{{"type", "approvals"}, {"store_id", store_id}, {"request_id", request_id}}.dump());
}

ApiResponse Api::NewApprovalRequestRoute(Call& call) {
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  auto made = CreateApprovalRequest(store_, ActorOf(call), *body);
  if (made) NudgeApprovals(call.session.store_id, (*made)["request_id"]);
  return FromResult(201, made);
}

ApiResponse Api::PendingApprovalsRoute(Call& call) {
  return JsonResponse(200, {{"requests", PendingApprovalRequests(store_, call.session.store_id)}});
}

ApiResponse Api::GetApprovalRequestRoute(Call& call) {
  return FromResult(200, FindApprovalRequest(store_, call.session.store_id, call.params[0]));
}

ApiResponse Api::DecideApprovalRoute(Call& call) {
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  auto decided = DecideApprovalRequest(store_, ActorOf(call), call.params[0], *body);
  if (decided) NudgeApprovals(call.session.store_id, call.params[0]);
  return FromResult(200, decided);
}

}  // namespace aisle::server

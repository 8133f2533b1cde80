// `aisle staff|device|printer|role|audit|store`: the back office on the command line, for
// IT. Acts straight on <data-dir>/aisle.db (safe while aisled runs: SQLite
// WAL) through the same services as the API, each act audited as
// "cli:<user>". PINs are read from the terminal without echo, or from the
// first line of stdin when it is not a terminal, never from the command line.
#ifndef AISLE_TOOLS_ADMIN_H_
#define AISLE_TOOLS_ADMIN_H_

#include <string>
#include <vector>

namespace aisle::tools {

int StaffCommand(const std::vector<std::string>& args);
int DeviceCommand(const std::vector<std::string>& args);
int PrinterCommand(const std::vector<std::string>& args);
int StoreCommand(const std::vector<std::string>& args);
int RoleCommand(const std::vector<std::string>& args);
int AuditCommand(const std::vector<std::string>& args);

}  // namespace aisle::tools

#endif  // AISLE_TOOLS_ADMIN_H_

// The demo chain behind `aisled --demo` and `aisle demo-load`: two stores
// (SH01, BJ01) and a warehouse (WH01), staff with known PINs, the demo device,
// 300+ products with stock everywhere, and a few members. Loading is
// idempotent: a second run changes nothing and adds nothing to the feed.
#ifndef AISLE_SERVER_DEMO_DATA_H_
#define AISLE_SERVER_DEMO_DATA_H_

#include <string>

#include "server/store.h"

namespace aisle::server {

struct DemoSummary {
  int products_added = 0;  // new or changed
  int staff_added = 0;
  std::string rules_version;  // the demo promotions
};

DemoSummary LoadDemoData(Store& store);

// The sign-in table printed at start and in the README.
std::string DemoCredentials();

}  // namespace aisle::server

#endif  // AISLE_SERVER_DEMO_DATA_H_

// The slug and archive extractor (SLUG-3, buildpack and source tarballs, state:import): it
// may refuse an archive, but never writes outside its destination. Each input is extracted
// into `<sandbox>/dest`; afterwards the sandbox holds nothing else.
#include "fuzz_target.hpp"
#include "release/error.hpp"
#include "slug/slug.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

LOKKU_FUZZ_TARGET(tar_extract) {
  static const fs::path sandbox = [] {
    std::string t = (fs::temp_directory_path() / "lokku-fuzz-tar-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) {
      std::abort();
    }
    return fs::path(t);
  }();
  std::error_code ec;
  fs::remove_all(sandbox, ec);
  fs::create_directories(sandbox);
  const auto archive = sandbox / "input.tar";
  std::ofstream(archive, std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  for (bool app_prefix : {false, true}) {
    lokku::slug::ExtractOptions options;
    options.app_prefix = app_prefix;
    try {
      lokku::slug::extract(archive, sandbox / "dest", options);
    } catch (const lokku::release::InputError&) {
    } catch (const std::system_error&) {
    }
    for (const auto& e : fs::directory_iterator(sandbox)) {
      const auto name = e.path().filename();
      if (name != "input.tar" && name != "dest") {
        std::abort();  // written outside the destination
      }
    }
    if (fs::exists(sandbox.parent_path() / "escaped")) {
      std::abort();
    }
    fs::remove_all(sandbox / "dest", ec);
  }
  return 0;
}

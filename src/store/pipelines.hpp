#pragma once
// Pipelines (build-and-release.md PIPE-1..2): apps of one codebase in stages. Kept in the
// lokku home as `pipelines/<name>.yaml`, written like every record of the store (lock,
// temp file, fsync, rename).

#include "store/store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lokku::store {

struct PipelineApp {
  std::string app;
  std::string stage;  ///< review | development | staging | production
};

struct Pipeline {
  std::string name;
  std::string id;
  std::string created_at;
  std::vector<PipelineApp> apps;
  /// The stage that `stage` promotes to (development → staging → production); empty when
  /// there is none.
  static std::string next_stage(const std::string& stage);
  /// Throws InputError unless `stage` is one of PIPE-1's.
  static void check_stage(const std::string& stage);
};

class Pipelines {
 public:
  explicit Pipelines(const Store& store) : dir_(store.home() / "pipelines") {}

  std::vector<std::string> names() const;
  std::optional<Pipeline> find(const std::string& name) const;
  /// The pipeline an app is in, if any.
  std::optional<Pipeline> of_app(const std::string& app) const;
  /// Throws InputError when it exists or the name is not a valid one (as app names).
  Pipeline create(const std::string& name);
  /// Adds `app` at `stage`; an app belongs to one pipeline at most.
  Pipeline add(const std::string& name, const std::string& app, const std::string& stage);
  /// Removes the pipeline (its apps stay, in no pipeline). Throws InputError when missing.
  void destroy(const std::string& name);
  /// Moves the app to another stage of its pipeline. Throws InputError when it is in none.
  Pipeline set_stage(const std::string& app, const std::string& stage);
  /// Takes the app out of its pipeline, if it is in one.
  void remove_app(const std::string& app);
  /// The app's new name, where it stands in a pipeline.
  void rename_app(const std::string& from, const std::string& to);

 private:
  fs::path file(const std::string& name) const { return dir_ / (name + ".yaml"); }
  void write(const Pipeline& p) const;
  fs::path dir_;
};

}  // namespace lokku::store

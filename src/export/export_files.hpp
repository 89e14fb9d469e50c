#pragma once
// What every export shares: the options, the files it writes (each atomically, secrets
// 0600), the slug's image build context, and the README that says what does not carry over.

#include "export/export_input.hpp"

#include <string>
#include <vector>

namespace lokku::exports {

struct ExportOptions {
  fs::path out;              ///< -o DIR
  std::string image;         ///< kubernetes, compose: the image's name (default `<app>:v<N>`)
  bool with_addons = false;  ///< kubernetes: Postgres and Redis as StatefulSets too
  fs::path base_image;       ///< kubernetes: a local OCI layout the slug goes over
  fs::path prefix;           ///< systemd: where DIR is installed (default: DIR itself)
  unsigned port = 5000;      ///< systemd: the first dyno's PORT
};

/// The files an export wrote, relative to its folder, in order.
struct Written {
  fs::path dir;
  std::vector<std::string> files;
  void file(const std::string& relative, const std::string& text, unsigned mode = 0644);
};

/// The image name the options give, or `<app>:v<N>`.
std::string image_name(const ExportInput& in, const ExportOptions& o);

/// `image/`: the slug and a Dockerfile that unpacks it over the stack's image, for a user who
/// has a builder (`docker build image/`).
void write_build_context(const ExportInput& in, const ExportOptions& o, Written& w);

/// Writes README.md: what was exported, how to use it (`how`, Markdown), and what does not
/// carry over from lokku (and Heroku) to this engine (`lost`, one item each).
void write_readme(const ExportInput& in, const std::string& engine, const std::string& how,
                  const std::vector<std::string>& lost, Written& w);

/// A scheduler job's frequency as a crontab's five fields (in UTC).
std::string cron_schedule(const release::Frequency& f);

/// A random password for an add-on server the export creates.
std::string new_password();

}  // namespace lokku::exports

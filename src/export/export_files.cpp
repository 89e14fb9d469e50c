#include "export/export_files.hpp"

#include "common/ids.hpp"
#include "store/files.hpp"

#include <fmt/format.h>

namespace lokku::exports {

void Written::file(const std::string& relative, const std::string& text, unsigned mode) {
  const auto path = dir / relative;
  fs::create_directories(path.parent_path());
  store::write_file_atomic(path, text, mode);
  files.push_back(relative);
}

std::string image_name(const ExportInput& in, const ExportOptions& o) {
  return o.image.empty() ? fmt::format("{}:v{}", dns_label(in.app), in.version) : o.image;
}

void write_build_context(const ExportInput& in, const ExportOptions& o, Written& w) {
  fs::create_directories(w.dir / "image");
  fs::copy_file(in.slug, w.dir / "image" / "slug.tgz", fs::copy_options::overwrite_existing);
  w.files.emplace_back("image/slug.tgz");
  // The stacks' images: Heroku publishes heroku/heroku:<N> (with -build variants).
  std::string stack_image = "heroku/heroku:24";
  if (auto dash = in.stack.rfind('-'); dash != std::string::npos) {
    stack_image = "heroku/heroku:" + in.stack.substr(dash + 1);
  }
  w.file("image/Dockerfile",
         fmt::format(R"(# {app} v{version}: its slug ({slug}) over the stack's image ({stack}).
# Build it where you have a builder:  docker build -t {image} image/
FROM {stack_image}
# ADD unpacks the slug: its files land in /app, as in a dyno.
ADD slug.tgz /
WORKDIR /app
ENV HOME=/app PORT=5000
CMD ["/bin/bash"]
)",
                     fmt::arg("app", in.app), fmt::arg("version", in.version),
                     fmt::arg("slug", in.slug_id), fmt::arg("stack", in.stack),
                     fmt::arg("image", image_name(in, o)), fmt::arg("stack_image", stack_image)));
}

void write_readme(const ExportInput& in, const std::string& engine, const std::string& how,
                  const std::vector<std::string>& lost, Written& w) {
  std::string text = fmt::format(
      "# {} v{}, exported for {}\n\n"
      "Written by `lokku export` from release v{} of {} ({}), its formation, add-ons, "
      "scheduler jobs and domains.\n\n",
      in.app, in.version, engine, in.version, in.app, in.description);
  text += how;
  text += "\n## What does not carry over\n\n";
  for (const auto& l : lost) {
    text += "- " + l + "\n";
  }
  text += "\n## Files\n\n";
  for (const auto& f : w.files) {
    text += "- `" + f + "`\n";
  }
  w.file("README.md", text);
}

std::string cron_schedule(const release::Frequency& f) {
  using K = release::Frequency::Kind;
  switch (f.kind) {
    case K::ten_minutes:
      return "*/10 * * * *";
    case K::hourly:
      return fmt::format("{} * * * *", f.minute);
    case K::daily:
      break;
  }
  return fmt::format("{} {} * * *", f.minute, f.hour);
}

std::string new_password() {
  return common::random_hex(16);
}

}  // namespace lokku::exports

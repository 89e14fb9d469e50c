#include "slug/slug.hpp"

#include "common/ids.hpp"
#include "release/error.hpp"
#include "slug/gzip_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <openssl/evp.h>
#include <optional>
#include <stdexcept>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace lokku::slug {

namespace {

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
struct DigestDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string hex(const unsigned char* p, unsigned n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 0xf];
  }
  return out;
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void update(std::string_view d) { EVP_DigestUpdate(ctx_.get(), d.data(), d.size()); }
  std::string finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &n);
    return "SHA256:" + hex(md, n);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx_;
};

/// Where the tar stream goes: the parallel gzip writer, then the file and the digest.
struct PackSink {
  int fd = -1;
  fs::path path;
  Sha256 digest;
  std::uint64_t written = 0;
  std::unique_ptr<GzipWriter> gzip;
};

void write_out(PackSink& s, std::string_view data) {
  s.digest.update(data);
  s.written += data.size();
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(s.fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::system_error(errno, std::generic_category(), "cannot write " + s.path.string());
    }
    off += static_cast<std::size_t>(n);
  }
}

la_ssize_t tar_write_cb(archive*, void* ctx, const void* buf, size_t len) {
  auto* s = static_cast<PackSink*>(ctx);
  s->gzip->write(std::string_view(static_cast<const char*>(buf), len));
  return static_cast<la_ssize_t>(len);
}

/// libarchive's message for the last error, which it may not have (NULL).
std::string error_text(archive* a) {
  const char* text = ::archive_error_string(a);
  return text != nullptr ? text : "unknown error";
}

void check(archive* a, int rc, const std::string& what) {
  if (rc < ARCHIVE_WARN) {
    throw std::runtime_error(fmt::format("{}: {}", what, error_text(a)));
  }
}

void add_tree(archive* a, const fs::path& root, const fs::path& rel, const std::string& prefix,
              PackResult& result, std::vector<char>& buf) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root / rel, ec)) {
    names.push_back(e.path().filename().string());
  }
  if (ec) {
    throw std::system_error(ec, "cannot list " + (root / rel).string());
  }
  std::sort(names.begin(), names.end());
  std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
  for (const auto& name : names) {
    fs::path rpath = rel / name;
    fs::path full = root / rpath;
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0) {
      continue;  // vanished while packing
    }
    std::string apath = prefix + rpath.string();
    archive_entry_clear(entry.get());
    archive_entry_copy_stat(entry.get(), &st);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_nlink(entry.get(), 1);
    if (S_ISDIR(st.st_mode)) {
      archive_entry_set_pathname(entry.get(), (apath + "/").c_str());
      check(a, archive_write_header(a, entry.get()), apath);
      add_tree(a, root, rpath, prefix, result, buf);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 256, '\0');
      ssize_t n = ::readlink(full.c_str(), target.data(), target.size());
      if (n < 0) {
        continue;
      }
      target.resize(static_cast<std::size_t>(n));
      archive_entry_set_pathname(entry.get(), apath.c_str());
      archive_entry_set_symlink(entry.get(), target.c_str());
      archive_entry_set_size(entry.get(), 0);
      check(a, archive_write_header(a, entry.get()), apath);
    } else if (S_ISREG(st.st_mode)) {
      int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0) {
        throw std::system_error(errno, std::generic_category(), "cannot read " + full.string());
      }
      archive_entry_set_pathname(entry.get(), apath.c_str());
      check(a, archive_write_header(a, entry.get()), apath);
      std::uint64_t left = static_cast<std::uint64_t>(st.st_size);
      while (left > 0) {
        ssize_t n = ::read(fd, buf.data(), std::min<std::uint64_t>(buf.size(), left));
        if (n < 0 && errno == EINTR) {
          continue;
        }
        if (n <= 0) {
          break;  // shrank while packing: libarchive pads the entry
        }
        archive_write_data(a, buf.data(), static_cast<std::size_t>(n));
        left -= static_cast<std::uint64_t>(n);
      }
      ::close(fd);
    } else {
      result.skipped.push_back(rpath.string() + ": not a regular file, directory or symlink");
    }
  }
}

bool has_dotdot(std::string_view path) {
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) {
      j = path.size();
    }
    if (path.substr(i, j - i) == "..") {
      return true;
    }
    i = j + 1;
  }
  return false;
}

/// True when `target`, a link at `link_rel` (relative to the root), stays inside the root.
bool link_stays_inside(const std::string& link_rel, const std::string& target) {
  if (target.empty() || target[0] == '/') {
    return false;
  }
  fs::path p = fs::path(link_rel).parent_path() / target;
  int depth = 0;
  for (const auto& part : p) {
    auto s = part.string();
    if (s == "..") {
      if (--depth < 0) {
        return false;
      }
    } else if (!s.empty() && s != ".") {
      ++depth;
    }
  }
  return true;
}

std::string strip_dot_slash(std::string p) {
  while (p.rfind("./", 0) == 0) {
    p.erase(0, 2);
  }
  return p;
}

void extract_from(archive* in, const std::string& name, const fs::path& dest_in,
                  const ExtractOptions& options) {
  fs::create_directories(dest_in);
  const fs::path dest = fs::canonical(dest_in);
  std::unique_ptr<archive, ArchiveWriteDeleter> out(archive_write_disk_new());
  // Paths are checked above and made absolute under `dest` (so libarchive's own absolute
  // and `..` refusals cannot apply); it still refuses to write through a symlink.
  archive_write_disk_set_options(
      out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  auto refuse = [&](const std::string& entry, const std::string& why) {
    throw release::InputError(fmt::format("{}: entry '{}': {}", name, entry, why));
  };
  std::optional<bool> app_mode;
  archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(in, &entry);
    if (rc == ARCHIVE_EOF) {
      break;
    }
    if (rc < ARCHIVE_WARN) {
      throw release::InputError(fmt::format("{}: not a valid archive: {}", name, error_text(in)));
    }
    const char* raw = archive_entry_pathname(entry);
    std::string original = raw ? raw : "";
    if (original.empty()) {
      continue;
    }
    if (original[0] == '/') {
      refuse(original, "absolute paths are not allowed");
    }
    if (has_dotdot(original)) {
      refuse(original, "'..' in a path is not allowed");
    }
    std::string path = strip_dot_slash(original);
    if (options.app_prefix) {
      if (!app_mode) {
        app_mode = path == "app" || path == "app/" || path.rfind("app/", 0) == 0;
      }
      if (*app_mode) {
        if (path == "app" || path == "app/") {
          continue;
        }
        if (path.rfind("app/", 0) != 0) {
          continue;  // SLUG-3: outside ./app/ is ignored
        }
        path.erase(0, 4);
      }
    }
    while (!path.empty() && path.back() == '/') {
      path.pop_back();
    }
    if (path.empty() || path == ".") {
      continue;
    }
    if (const char* hl = archive_entry_hardlink(entry)) {
      std::string target = strip_dot_slash(hl);
      if (target.empty() || target[0] == '/' || has_dotdot(target)) {
        refuse(original, fmt::format("hard link to '{}' leads outside", hl));
      }
      if (options.app_prefix && app_mode && *app_mode) {
        if (target.rfind("app/", 0) != 0) {
          refuse(original, fmt::format("hard link to '{}' leads outside ./app/", hl));
        }
        target.erase(0, 4);
      }
      archive_entry_copy_hardlink(entry, (dest / target).c_str());
    }
    auto type = archive_entry_filetype(entry);
    if (!archive_entry_hardlink(entry) && type != AE_IFREG && type != AE_IFDIR &&
        type != AE_IFLNK) {
      refuse(original, "device files, fifos and sockets are not allowed");
    }
    if (type == AE_IFLNK && !options.allow_outside_links) {
      const char* target = archive_entry_symlink(entry);
      if (!target || !link_stays_inside(path, target)) {
        refuse(original,
               fmt::format("symlink to '{}' leads outside the archive", target ? target : ""));
      }
    }
    archive_entry_copy_pathname(entry, (dest / path).c_str());
    archive_entry_set_perm(entry, archive_entry_perm(entry) & 07777 & ~06000);
    rc = archive_write_header(out.get(), entry);
    if (rc < ARCHIVE_WARN) {
      refuse(original, error_text(out.get()));
    }
    if (archive_entry_size(entry) > 0 && type == AE_IFREG) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      for (;;) {
        rc = archive_read_data_block(in, &block, &size, &offset);
        if (rc == ARCHIVE_EOF) {
          break;
        }
        if (rc < ARCHIVE_WARN) {
          throw release::InputError(
              fmt::format("{}: entry '{}': {}", name, original, error_text(in)));
        }
        if (archive_write_data_block(out.get(), block, size, offset) < ARCHIVE_WARN) {
          refuse(original, error_text(out.get()));
        }
      }
    }
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN) {
      refuse(original, error_text(out.get()));
    }
  }
  if (archive_write_close(out.get()) < ARCHIVE_WARN) {
    throw release::InputError(fmt::format("{}: {}", name, error_text(out.get())));
  }
}

std::unique_ptr<archive, ArchiveReadDeleter> reader() {
  std::unique_ptr<archive, ArchiveReadDeleter> in(archive_read_new());
  archive_read_support_filter_gzip(in.get());
  archive_read_support_filter_bzip2(in.get());
  archive_read_support_filter_xz(in.get());
  archive_read_support_format_tar(in.get());
  archive_read_support_format_gnutar(in.get());
  return in;
}

}  // namespace

PackResult pack(const fs::path& dir, const fs::path& out, unsigned threads) {
  PackOptions options;
  options.threads = threads;
  return pack(dir, out, options);
}

PackResult pack(const fs::path& dir, const fs::path& out, const PackOptions& options) {
  const unsigned threads = options.threads;
  PackResult result;
  PackSink sink;
  sink.path = out;
  fs::path tmp = out;
  tmp += ".tmp-" + common::random_hex(6);
  sink.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, options.mode);
  if (sink.fd < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot create " + tmp.string());
  }
  try {
    sink.gzip =
        std::make_unique<GzipWriter>([&sink](std::string_view d) { write_out(sink, d); }, threads);
    std::unique_ptr<archive, ArchiveWriteDeleter> a(archive_write_new());
    archive_write_set_format_pax_restricted(a.get());
    archive_write_set_bytes_per_block(a.get(), 64 * 1024);
    archive_write_set_bytes_in_last_block(a.get(), 1);
    check(a.get(), archive_write_open2(a.get(), &sink, nullptr, tar_write_cb, nullptr, nullptr),
          out.string());
    std::unique_ptr<archive_entry, EntryDeleter> root(archive_entry_new());
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      throw std::system_error(errno, std::generic_category(), "cannot read " + dir.string());
    }
    archive_entry_copy_stat(root.get(), &st);
    archive_entry_set_uid(root.get(), 0);
    archive_entry_set_gid(root.get(), 0);
    archive_entry_set_pathname(root.get(), options.root.c_str());
    check(a.get(), archive_write_header(a.get(), root.get()), out.string());
    std::vector<char> buf(256 * 1024);
    add_tree(a.get(), dir, "", options.root, result, buf);
    check(a.get(), archive_write_close(a.get()), out.string());
    sink.gzip->finish();
    if (::fsync(sink.fd) != 0) {
      throw std::system_error(errno, std::generic_category(), "cannot sync " + tmp.string());
    }
  } catch (...) {
    ::close(sink.fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(sink.fd);
  if (::rename(tmp.c_str(), out.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw std::system_error(errno, std::generic_category(), "cannot write " + out.string());
  }
  result.size = sink.written;
  result.checksum = sink.digest.finish();
  return result;
}

void extract(const fs::path& archive_path, const fs::path& dest, const ExtractOptions& options) {
  auto in = reader();
  if (archive_read_open_filename(in.get(), archive_path.c_str(), 256 * 1024) != ARCHIVE_OK) {
    throw release::InputError(
        fmt::format("{}: cannot open archive: {}", archive_path.string(), error_text(in.get())));
  }
  extract_from(in.get(), archive_path.string(), dest, options);
}

void extract_fd(int fd, const std::string& name, const fs::path& dest,
                const ExtractOptions& options) {
  auto in = reader();
  if (archive_read_open_fd(in.get(), fd, 256 * 1024) != ARCHIVE_OK) {
    throw release::InputError(
        fmt::format("{}: cannot read archive: {}", name, error_text(in.get())));
  }
  extract_from(in.get(), name, dest, options);
}

std::string sha256_file(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
  }
  Sha256 digest;
  std::vector<char> buf(256 * 1024);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    digest.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
  return digest.finish();
}

std::string human_size(std::uint64_t bytes) {
  double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024.0 * 1024.0) {
    return fmt::format("{:.1f}G", b / (1024.0 * 1024.0 * 1024.0));
  }
  if (b >= 1024.0 * 1024.0) {
    return fmt::format("{:.1f}M", b / (1024.0 * 1024.0));
  }
  return fmt::format("{:.0f}K", std::max(1.0, b / 1024.0));
}

}  // namespace lokku::slug

namespace lokku::slug {

namespace {

void digest_tree(Sha256& d, const fs::path& root, const fs::path& rel,
                 const std::vector<std::string>& skip_top, std::vector<char>& buf) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root / rel, ec)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (rel.empty() && std::find(skip_top.begin(), skip_top.end(), name) != skip_top.end()) {
      continue;
    }
    fs::path rpath = rel / name;
    fs::path full = root / rpath;
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0) {
      continue;
    }
    d.update(rpath.string());
    d.update(std::string_view("\0", 1));
    if (S_ISDIR(st.st_mode)) {
      d.update("d");
      digest_tree(d, root, rpath, skip_top, buf);
    } else if (S_ISLNK(st.st_mode)) {
      std::error_code lec;
      d.update("l" + fs::read_symlink(full, lec).string());
    } else if (S_ISREG(st.st_mode)) {
      d.update((st.st_mode & 0111) ? "x" : "f");
      int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0) {
        continue;
      }
      for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) {
          break;
        }
        d.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      }
      ::close(fd);
    }
    d.update(std::string_view("\0", 1));
  }
}

}  // namespace

std::string tree_digest(const fs::path& dir, const std::vector<std::string>& skip_top) {
  Sha256 d;
  std::vector<char> buf(256 * 1024);
  digest_tree(d, dir, "", skip_top, buf);
  return d.finish().substr(7);
}

}  // namespace lokku::slug

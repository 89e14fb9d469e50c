// Extraction and packing of real archives (issue: security): archives made by Python's
// tarfile, extracted by lokku's slug library into a scratch directory.
#include "release/error.hpp"
#include "slug/slug.hpp"
#include "support/lokku_process.hpp"
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

/// Writes a tar.gz with Python's tarfile; `members` is Python code adding TarInfo entries to
/// `t` (helpers: reg(name, data), link(name, target), hard(name, target), dev(name)).
fs::path make_tar(const TempDir& dir, const std::string& name, const std::string& members) {
  std::string script =
      "import io, tarfile, sys\n"
      "t = tarfile.open(sys.argv[1], 'w:gz')\n"
      "def reg(n, d=b'x'):\n"
      "    i = tarfile.TarInfo(n); i.size = len(d); t.addfile(i, io.BytesIO(d))\n"
      "def link(n, target):\n"
      "    i = tarfile.TarInfo(n); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)\n"
      "def hard(n, target):\n"
      "    i = tarfile.TarInfo(n); i.type = tarfile.LNKTYPE; i.linkname = target; t.addfile(i)\n"
      "def dev(n):\n"
      "    i = tarfile.TarInfo(n); i.type = tarfile.CHRTYPE; i.devmajor = 1; i.devminor = 3; "
      "t.addfile(i)\n" +
      members + "\nt.close()\n";
  auto py = dir.write(name + ".py", script);
  fs::path out = dir.path() / (name + ".tgz");
  EXPECT_EQ(sh("python3 '" + py.string() + "' '" + out.string() + "'", dir.path()), 0);
  return out;
}

std::string refusal(const fs::path& archive, const fs::path& dest, slug::ExtractOptions opts = {}) {
  try {
    slug::extract(archive, dest, opts);
  } catch (const release::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Archive, RefusesAbsolutePathsAndDotDot) {
  TempDir dir;
  auto abs = make_tar(dir, "abs", "reg('/tmp/lokku-abs-test')");
  EXPECT_NE(refusal(abs, dir.path() / "out1").find("entry '/tmp/lokku-abs-test': absolute paths"),
            std::string::npos);
  auto dots = make_tar(dir, "dots", "reg('ok.txt')\nreg('a/../../escaped.txt')");
  auto why = refusal(dots, dir.path() / "out2");
  EXPECT_NE(why.find("entry 'a/../../escaped.txt': '..' in a path is not allowed"),
            std::string::npos)
      << why;
  EXPECT_FALSE(fs::exists(dir.path() / "escaped.txt"));
  EXPECT_NE(why.find("dots.tgz"), std::string::npos) << why;  // names the archive
}

TEST(Archive, RefusesDeviceFilesAndLinksThatLeadOutside) {
  TempDir dir;
  auto device = make_tar(dir, "dev", "dev('null')");
  EXPECT_NE(refusal(device, dir.path() / "o1").find("device files, fifos and sockets"),
            std::string::npos);
  auto abs_link = make_tar(dir, "abslink", "link('etc', '/etc')");
  EXPECT_NE(refusal(abs_link, dir.path() / "o2").find("symlink to '/etc' leads outside"),
            std::string::npos);
  auto rel_link = make_tar(dir, "rellink", "link('sub/up', '../../..')");
  EXPECT_NE(refusal(rel_link, dir.path() / "o3").find("symlink to '../../..' leads outside"),
            std::string::npos);
  auto hard = make_tar(dir, "hard", "hard('passwd', '/etc/passwd')");
  EXPECT_NE(refusal(hard, dir.path() / "o4").find("hard link to '/etc/passwd' leads outside"),
            std::string::npos);
}

TEST(Archive, NeverWritesThroughASymlinkEvenWhenOutsideLinksAreAllowed) {
  TempDir dir;
  fs::create_directories(dir.path() / "victim");
  auto evil = make_tar(dir, "through",
                       "link('app/evil', '" + (dir.path() / "victim").string() +
                           "')\nreg('app/evil/pwned', b'gotcha')");
  slug::ExtractOptions opts;
  opts.app_prefix = true;
  opts.allow_outside_links = true;  // as for lokku's own slugs
  auto why = refusal(evil, dir.path() / "out", opts);
  EXPECT_NE(why, "");
  EXPECT_FALSE(fs::exists(dir.path() / "victim" / "pwned"));
}

TEST(Archive, SLUG3ExtractsAppEntriesAndKeepsLinksInside) {
  TempDir dir;
  auto ok = make_tar(dir, "ok",
                     "reg('./app/Procfile', b'web: x')\nreg('./app/lib/a.txt', b'a')\n"
                     "link('./app/current', 'lib/a.txt')\nreg('./outside.txt')");
  slug::ExtractOptions opts;
  opts.app_prefix = true;
  ASSERT_EQ(refusal(ok, dir.path() / "out", opts), "");
  EXPECT_TRUE(fs::exists(dir.path() / "out/Procfile"));
  EXPECT_TRUE(fs::is_symlink(dir.path() / "out/current"));
  EXPECT_EQ(fs::read_symlink(dir.path() / "out/current"), "lib/a.txt");
  EXPECT_FALSE(fs::exists(dir.path() / "out/outside.txt"));  // outside ./app/: ignored
  // herokuish's form (paths relative to the app root) is accepted too.
  auto plain = make_tar(dir, "plain", "reg('Procfile', b'web: y')");
  ASSERT_EQ(refusal(plain, dir.path() / "out2", opts), "");
  EXPECT_TRUE(fs::exists(dir.path() / "out2/Procfile"));
}

TEST(Archive, PackingStoresSymlinksWithoutFollowingThem) {
  TempDir dir;
  dir.write("tree/inside.txt", "inside\n");
  fs::create_symlink("/etc/hostname", dir.path() / "tree/host");
  fs::create_directories(dir.path() / "outside");
  dir.write("outside/secret.txt", "secret\n");
  fs::create_directory_symlink(dir.path() / "outside", dir.path() / "tree/dirlink");
  auto res = slug::pack(dir.path() / "tree", dir.path() / "slug.tgz");
  EXPECT_EQ(res.checksum, slug::sha256_file(dir.path() / "slug.tgz"));
  FILE* p = ::popen(("tar tvzf '" + (dir.path() / "slug.tgz").string() + "'").c_str(), "r");
  std::string listing;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) {
    listing += buf;
  }
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_NE(listing.find("./app/host -> /etc/hostname"), std::string::npos) << listing;
  EXPECT_NE(listing.find("./app/dirlink -> "), std::string::npos) << listing;
  EXPECT_EQ(listing.find("secret.txt"), std::string::npos) << listing;  // not followed
}

TEST(Archive, ABuildpackArchiveThatEscapesIsRefusedWithAClearError) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  TempDir tars;
  auto evil = make_tar(tars, "evil-bp",
                       "reg('bin/detect', b'#!/bin/sh\\necho Evil')\nreg('../../evil.sh')");
  auto r = h.run({"build", "-a", "evil", "-b", evil.string()}, dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("entry '../../evil.sh': '..' in a path is not allowed"), std::string::npos)
      << r.out << r.err;
}

}  // namespace
}  // namespace lokku::test

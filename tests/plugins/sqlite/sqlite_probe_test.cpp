// The `sqlite` probe of wno_sqlite.so against real database files: page and
// WAL figures of a live WAL database, a WAL past its threshold, a missing
// file, a file that is not a database, and a database locked past the
// probe's timeout.
#include "probe_harness.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace wno::test {
namespace {

using ::testing::HasSubstr;

class SqliteProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("wno-sqlite-probe-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (writer_) sqlite3_close(writer_);
    std::filesystem::remove_all(dir_);
  }
  // A database with one table and rows; the writer stays open.
  std::string makeDatabase(const char* journal) {
    const std::string path = (dir_ / "app.db").string();
    EXPECT_EQ(sqlite3_open(path.c_str(), &writer_), SQLITE_OK);
    exec(std::string("PRAGMA journal_mode=") + journal);
    exec("PRAGMA wal_autocheckpoint=0");  // the WAL keeps what is written
    exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    exec("INSERT INTO t (v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
         "SELECT printf('%0100d', i) FROM n");
    return path;
  }
  void exec(const std::string& sql) { ASSERT_EQ(sqlite3_exec(writer_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql; }
  std::unique_ptr<host::HealthProbeInstance> probe(const nlohmann::json& config) {
    auto p = harness_.create("sqlite", config);
    if (!p.isOk()) throw std::runtime_error(p.status().message());
    return std::move(p).value();
  }

  std::filesystem::path dir_;
  sqlite3* writer_ = nullptr;
  ProbeHarness harness_{"sqlite"};
};

TEST_F(SqliteProbeTest, UpWithPageAndWalFiguresOfALiveDatabase) {
  const std::string path = makeDatabase("wal");
  auto p = probe({{"path", path}});
  auto r = ProbeHarness::check(*p);
  ASSERT_EQ(r.status, WNO_OK) << r.error;
  EXPECT_EQ(r.health, WNO_HEALTH_UP) << r.message;
  EXPECT_THAT(r.message, HasSubstr("ok in"));
  EXPECT_EQ(r.details["journal_mode"], "wal");
  EXPECT_EQ(r.details["tables"], 1);
  EXPECT_GT(r.details["page_count"].get<int64_t>(), 1);
  EXPECT_EQ(r.details["page_size"], 4096);
  EXPECT_GT(r.details["wal_bytes"].get<int64_t>(), 100000) << "2000 rows sit in the WAL, not checkpointed";
  EXPECT_GT(r.details["latency_ms"].get<double>(), 0) << "the check's own time, measured";
  EXPECT_LT(r.load, 0) << "no load signal";

  // The same WAL above a low threshold: checkpoints are not keeping up.
  auto strict = probe({{"path", path}, {"degraded_wal_bytes", 4096}});
  auto d = ProbeHarness::check(*strict);
  EXPECT_EQ(d.health, WNO_HEALTH_DEGRADED);
  EXPECT_THAT(d.message, HasSubstr("checkpoints are not keeping up"));
  // A checkpoint empties it again.
  exec("PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_EQ(ProbeHarness::check(*strict).health, WNO_HEALTH_UP);
}

TEST_F(SqliteProbeTest, DownWhenTheFileIsMissingOrNotADatabase) {
  auto missing = probe({{"path", (dir_ / "nope.db").string()}});
  auto r = ProbeHarness::check(*missing);
  EXPECT_EQ(r.health, WNO_HEALTH_DOWN);
  EXPECT_THAT(r.message, HasSubstr("does not exist"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "nope.db")) << "the probe never creates the file";

  const auto text = dir_ / "notes.db";
  std::ofstream(text) << std::string(8192, 'x');
  auto garbage = probe({{"path", text.string()}});
  r = ProbeHarness::check(*garbage);
  EXPECT_EQ(r.health, WNO_HEALTH_DOWN);
  EXPECT_THAT(r.message, HasSubstr("not a database"));

  auto directory = probe({{"path", dir_.string()}});
  EXPECT_THAT(ProbeHarness::check(*directory).message, HasSubstr("not a regular file"));
}

TEST_F(SqliteProbeTest, ALockHeldPastTheTimeoutIsDown) {
  // Rollback journal: an exclusive transaction keeps every reader out.
  const std::string path = makeDatabase("delete");
  exec("BEGIN EXCLUSIVE");
  exec("INSERT INTO t (v) VALUES ('held')");
  auto p = probe({{"path", path}});
  auto r = ProbeHarness::check(*p, 200);
  EXPECT_EQ(r.health, WNO_HEALTH_DOWN);
  EXPECT_THAT(r.message, HasSubstr("locked"));
  exec("COMMIT");
  EXPECT_EQ(ProbeHarness::check(*p, 200).health, WNO_HEALTH_UP);
}

TEST_F(SqliteProbeTest, BadConfigIsRefusedWithTheKey) {
  auto noPath = harness_.create("sqlite", nlohmann::json::object());
  ASSERT_FALSE(noPath.isOk());
  EXPECT_EQ(noPath.status().code(), WNO_ERR_INVALID);
  EXPECT_THAT(noPath.status().message(), HasSubstr("path"));
  auto typo = harness_.create("sqlite", {{"path", "x.db"}, {"degraded_wal_byte", 1}});
  ASSERT_FALSE(typo.isOk());
  EXPECT_THAT(typo.status().message(), HasSubstr("unknown config key \"degraded_wal_byte\""));
}

}  // namespace
}  // namespace wno::test

# frozen_string_literal: true

require "test_helper"
require "open3"
require "rbconfig"

# The plain connector must load with RubyGems disabled, i.e. with nothing
# but the standard library, and must not pull in ActiveSupport.
class StdlibOnlyTest < Minitest::Test
  def test_require_snorky_needs_only_the_standard_library
    lib = File.expand_path("../lib", __dir__)
    script = 'require "snorky"; print [Snorky::Backend.name, defined?(ActiveSupport).inspect, defined?(Gem).inspect].join(" ")'
    out, err, status = Open3.capture3(RbConfig.ruby, "--disable-gems", "-I", lib, "-e", script)
    assert status.success?, err
    assert_equal "Snorky::Backend nil nil", out
  end
end

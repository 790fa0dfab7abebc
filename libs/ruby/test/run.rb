# frozen_string_literal: true

# Runs every *_test.rb of the gem in one process:
#   ruby libs/ruby/test/run.rb
# Ruby itself missing is reported by the npm script; Rails gems missing make
# the Rails tests fail with the Debian package to install.
$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
$LOAD_PATH.unshift(__dir__)
Dir[File.join(__dir__, "**", "*_test.rb")].sort.each { |f| require f }

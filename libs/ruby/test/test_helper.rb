# frozen_string_literal: true

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
$LOAD_PATH.unshift(File.expand_path("support", __dir__))

require "minitest/autorun"
require "snorky"
require "http_peer"

# The Rails-side tests need Debian's Rails gems; without them they must fail
# loudly (not skip), naming the package to install.
def require_rails_part!(feature, package)
  require feature
rescue LoadError => e
  raise LoadError, "#{e.message} -- install the Debian package #{package} (apt-get install #{package})"
end

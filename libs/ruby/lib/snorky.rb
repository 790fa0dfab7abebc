# frozen_string_literal: true

require "snorky/version"
require "snorky/error"
require "snorky/backend"
require "snorky/configuration"

# Ruby connector for the Snorky backend endpoint. The plain client
# (Snorky::Backend) needs only the standard library; the Rails pieces are
# loaded on demand because they need ActiveSupport.
module Snorky
  autoload :Subscribable, "snorky/subscribable"
  autoload :SubscribeController, "snorky/subscribe_controller"
end

require "snorky/railtie" if defined?(Rails::Railtie)

# frozen_string_literal: true

# A minimal Rails 6.1 API app for the interop test, loaded from Debian's
# gems directly (no Bundler, no Gemfile).
require "rails"
require "active_record/railtie"
require "action_controller/railtie"

# The gem under test: the built gem, installed into the GEM_HOME the test sets
# (test/interop/support/installed-connectors.ts).
require "snorky"

# No database.yml: DATABASE_URL is enough for Rails 6.1.
ENV["DATABASE_URL"] ||= "sqlite3:#{File.expand_path('../tmp/development.sqlite3', __dir__)}"

module RailsInteropApp
  class Application < Rails::Application
    config.load_defaults 6.1
    config.root = File.expand_path("..", __dir__)
    config.api_only = true
    config.eager_load = false
    config.cache_classes = true
    config.consider_all_requests_local = false # small JSON error bodies; the log has the details
    config.secret_key_base = "interop-test-only-not-a-secret"
    config.hosts.clear
    config.logger = ActiveSupport::Logger.new($stderr)
    config.log_level = ENV.fetch("RAILS_LOG_LEVEL", "info").to_sym

    # Snorky settings through Rails config; the API key is left to the
    # SNORKY_API_KEY environment fallback so both paths are exercised.
    config.snorky.backend_url = ENV["RAILS_SNORKY_BACKEND_URL"] if ENV["RAILS_SNORKY_BACKEND_URL"]
    config.snorky.datasync_service = ENV.fetch("RAILS_SNORKY_DATASYNC_SERVICE", "datasync_backend")
    config.snorky.delivery = ENV["RAILS_SNORKY_DELIVERY"] if ENV["RAILS_SNORKY_DELIVERY"]
    config.snorky.timeout = Float(ENV["RAILS_SNORKY_TIMEOUT"]) if ENV["RAILS_SNORKY_TIMEOUT"]
  end
end

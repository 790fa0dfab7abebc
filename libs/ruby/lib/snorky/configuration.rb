# frozen_string_literal: true

require "snorky/backend"
require "snorky/error"

module Snorky
  # Settings shared by the Rails concerns. Filled from `config.snorky.*` by
  # the Railtie, or by Snorky.configure outside Rails; the backend URL and
  # key fall back to SNORKY_BACKEND_URL / SNORKY_API_KEY.
  class Configuration
    # backend_url      - e.g. "http://127.0.0.1:5801/backend"
    # api_key          - the X-Backend-Key value
    # datasync_service - name of the DataSync backend service
    # timeout          - seconds for connect / read / write
    # enabled          - false: models publish nothing (e.g. in an app's own test suite)
    # publish_errors   - :raise (default) or :log when publishing deltas after commit fails
    # logger           - receives debug lines for each request/reply and :log errors
    attr_accessor :backend_url, :api_key, :datasync_service, :timeout, :enabled, :publish_errors, :logger

    def initialize
      @datasync_service = Backend::DEFAULT_DATASYNC_SERVICE
      @timeout = 5
      @enabled = true
      @publish_errors = :raise
    end

    def resolved_backend_url
      present(backend_url) || present(ENV["SNORKY_BACKEND_URL"])
    end

    def resolved_api_key
      present(api_key) || present(ENV["SNORKY_API_KEY"])
    end

    # Builds a Backend, or says exactly which setting is missing.
    def build_backend
      url = resolved_backend_url
      key = resolved_api_key
      missing = []
      missing << "the backend URL (config.snorky.backend_url or env SNORKY_BACKEND_URL)" unless url
      missing << "the API key (config.snorky.api_key or env SNORKY_API_KEY)" unless key
      raise ConfigurationError, "Snorky is not configured: set #{missing.join(' and ')}" unless missing.empty?

      Backend.new(url: url, key: key, timeout: timeout || 5, logger: logger)
    end

    private

    def present(value)
      value.nil? || value.to_s.strip.empty? ? nil : value.to_s
    end
  end

  class << self
    def config
      @config ||= Configuration.new
    end

    # Snorky.configure { |c| c.backend_url = "..."; c.api_key = "..." }
    def configure
      yield config
      reset_backend!
      config
    end

    # The shared Backend built from the configuration (lazily, so an app
    # boots without Snorky settings and fails only when it uses Snorky).
    def backend
      @backend ||= config.build_backend
    end

    def reset_backend!
      @backend = nil
    end
  end
end

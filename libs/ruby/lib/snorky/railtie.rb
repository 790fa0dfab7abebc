# frozen_string_literal: true

require "rails/railtie"
require "snorky/configuration"

module Snorky
  # Exposes `config.snorky` in the application:
  #
  #   config.snorky.backend_url = "http://127.0.0.1:5801/backend"
  #   config.snorky.api_key = ENV.fetch("SNORKY_KEY")
  #   config.snorky.datasync_service = "datasync_backend"
  class Railtie < Rails::Railtie
    config.snorky = ActiveSupport::OrderedOptions.new

    initializer "snorky.configure" do |app|
      settings = app.config.snorky
      Snorky.configure do |c|
        c.backend_url = settings.backend_url if settings.key?(:backend_url)
        c.api_key = settings.api_key if settings.key?(:api_key)
        c.datasync_service = settings.datasync_service if settings.key?(:datasync_service)
        c.timeout = settings.timeout if settings.key?(:timeout)
        c.enabled = settings.enabled if settings.key?(:enabled)
        c.publish_errors = settings.publish_errors.to_sym if settings.key?(:publish_errors)
        c.logger = settings.key?(:logger) ? settings.logger : Rails.logger
      end
    end
  end
end

# frozen_string_literal: true

require "rails/railtie"
require "snorky/configuration"

module Snorky
  # Exposes `config.snorky` in the application:
  #
  #   config.snorky.backend_url = "http://127.0.0.1:5801/backend"
  #   config.snorky.api_key = ENV.fetch("SNORKY_KEY")
  #   config.snorky.datasync_service = "datasync_backend"
  #   config.snorky.delivery = :outbox     # default :background (docs/backend-rails.md)
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
        c.delivery = settings.delivery.to_sym if settings.key?(:delivery)
        c.queue_size = settings.queue_size if settings.key?(:queue_size)
        c.retry_for = settings.retry_for if settings.key?(:retry_for)
        c.logger = settings.key?(:logger) ? settings.logger : Rails.logger
      end
    end

    # Outbox rows left from before a restart go out once the app runs again.
    config.after_initialize do
      if Snorky.config.delivery.to_s == "outbox" && Snorky.config.enabled
        require "snorky/outbox"
        Snorky::Outbox.drainer.start
      end
    end
  end
end

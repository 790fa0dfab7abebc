# frozen_string_literal: true

require "snorky/backend"
require "snorky/error"
require "snorky/publisher"

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
    # delivery         - how committed deltas reach Snorky (docs/backend-rails.md):
    #                    :background (default) in-memory queue + sender thread with retries;
    #                    :outbox  written to the snorky_outbox table in the transaction, drained by a thread;
    #                    :inline  sent in the committing thread, once, no retry (the former behaviour)
    # publish_errors   - :inline only: :log (default) or :raise when the send fails
    # queue_size       - :background: batches held while Snorky is unreachable (default 10 000)
    # retry_for        - :background: seconds a batch is retried before it is given up (default 600)
    # logger           - receives debug lines for each request/reply and the delivery's errors
    attr_accessor :backend_url, :api_key, :datasync_service, :timeout, :enabled, :publish_errors, :logger,
                  :delivery, :queue_size, :retry_for

    def initialize
      @datasync_service = Backend::DEFAULT_DATASYNC_SERVICE
      @timeout = 5
      @enabled = true
      @delivery = :background
      # A failed publish never turns a saved write into an error (a 500 makes clients retry and duplicate).
      @publish_errors = :log
      @queue_size = Publisher::DEFAULT_MAX_QUEUE
      @retry_for = Publisher::DEFAULT_RETRY_FOR
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

  @publisher_lock = Mutex.new

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

    # The background sender of :background delivery (one per process).
    def publisher
      @publisher_lock.synchronize do
        @publisher ||= Publisher.new(
          ->(deltas, batch_id) { backend.publish_deltas(deltas, service: config.datasync_service, batch_id: batch_id) },
          logger: -> { config.logger },
          max_queue: config.queue_size || Publisher::DEFAULT_MAX_QUEUE,
          retry_for: config.retry_for || Publisher::DEFAULT_RETRY_FOR
        ).tap { |publisher| at_exit_flush(publisher) }
      end
    end

    # A process that exits right after its commit (a rake task, a runner script) waits up to 10 s
    # for its queue instead of dropping it with the sender thread.
    def at_exit_flush(publisher)
      at_exit { publisher.close(10) }
    end

    # Waits until the deltas committed so far were handed to Snorky (tests, shutdown).
    def flush(timeout = nil)
      return Outbox.drainer.flush(timeout) if config.delivery.to_s == "outbox"

      publisher.flush(timeout)
    end

    # :inline delivery: one attempt in the committing thread; publish_errors decides.
    def publish_inline(deltas, batch_id)
      backend.publish_deltas(deltas, service: config.datasync_service, batch_id: batch_id)
    rescue Snorky::Error, Snorky::TransportError, Snorky::ConfigurationError => e
      raise if config.publish_errors.to_s == "raise"

      config.logger&.error("Snorky: batch #{batch_id} of #{deltas.size} deltas not published: #{e.class}: #{e.message}")
    end

    # The shared Backend built from the configuration (lazily, so an app
    # boots without Snorky settings and fails only when it uses Snorky).
    def backend
      @backend ||= config.build_backend
    end

    def reset_backend!
      @backend = nil
      publisher, @publisher = @publisher, nil
      # Settings changed: a batch still retrying belongs to the old ones, and must not reach the new Snorky.
      publisher&.close(0)
      publisher&.wait_idle(5)
    end
  end
end

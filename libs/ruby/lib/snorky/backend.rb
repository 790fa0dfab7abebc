# frozen_string_literal: true

require "json"
require "net/http"
require "uri"
require "snorky/error"

module Snorky
  # Client of the Snorky backend HTTP endpoint (PROTOCOL.md §5).
  #
  #   backend = Snorky::Backend.new(url: "http://127.0.0.1:5801/backend", key: "swordfish")
  #   backend.call("pubsub_backend", "publish", channel: "news", message: "hi")
  #
  # Every call opens its own connection, so one instance can be shared by
  # all threads of an app server.
  class Backend
    DEFAULT_DATASYNC_SERVICE = "datasync_backend"
    DEFAULT_PUBSUB_SERVICE = "pubsub_backend"
    DEFAULT_IDENTITY_SERVICE = "identity_backend"

    # Errors that mean "no reply came back"; all become TransportError.
    NETWORK_ERRORS = [
      Timeout::Error, # Net::OpenTimeout, Net::ReadTimeout, Net::WriteTimeout
      SocketError, SystemCallError, IOError, EOFError, Net::HTTPBadResponse
    ].freeze

    attr_reader :url, :timeout

    def initialize(url:, key:, timeout: 5, logger: nil)
      raise ArgumentError, "url is required" if url.nil? || url.to_s.empty?
      raise ArgumentError, "key is required" if key.nil? || key.to_s.empty?

      @url = URI(url.to_s)
      unless @url.is_a?(URI::HTTP)
        raise ArgumentError, "url must be http:// or https://, got #{url.inspect}"
      end

      @key = key.to_s
      @timeout = timeout
      @logger = logger
    end

    # Sends {"service", "message": {"command", "params"}} and returns the
    # reply's data. Raises Snorky::Error for an RPC error reply and
    # Snorky::TransportError when no RPC reply could be obtained.
    def call(service, command, **params)
      envelope = { service: service.to_s, message: { command: command.to_s, params: params } }
      body = JSON.generate(envelope)
      log { "snorky -> #{body}" }
      reply = unwrap(post(body))
      if reply["type"] == "error"
        raise Error.new(reply["message"].to_s, service: service.to_s, command: command.to_s)
      end

      reply["data"]
    end

    # DataSyncBackend.publishDeltas; deltas is an array of
    # {type:, model:, data:} / {type: "update", model:, newData:, oldData:}.
    # With batch_id the call is retry-safe: Snorky delivers one batch id once
    # within its dedup window (docs/protocol-notes.md).
    def publish_deltas(deltas, service: DEFAULT_DATASYNC_SERVICE, batch_id: nil)
      return call(service, "publishDeltas", deltas: deltas) if batch_id.nil?

      call(service, "publishDeltas", deltas: deltas, batchId: batch_id)
    end

    # DataSyncBackend.authorizeSubscription; items is an array of
    # {dealer:, query:}. Returns the subscription token (a String).
    def authorize_subscription(items, service: DEFAULT_DATASYNC_SERVICE)
      call(service, "authorizeSubscription", items: items)
    end

    # PubSubBackend.publish.
    def publish(channel, message, service: DEFAULT_PUBSUB_SERVICE)
      call(service, "publish", channel: channel, message: message)
    end

    # IdentityBackend.authorizeIdentity (PROTOCOL.md §7): returns a token (a
    # String) the page presents to the frontend "identity" service
    # (authenticate). identity is any JSON value, e.g. { id: user.id };
    # the token stays valid ttl seconds (nil: the server's default, 3600).
    def authorize_identity(identity, ttl: nil, service: DEFAULT_IDENTITY_SERVICE)
      params = { identity: identity }
      params[:ttl] = ttl unless ttl.nil?
      token = call(service, "authorizeIdentity", **params)
      unless token.is_a?(String)
        raise TransportError.new("Snorky backend at #{@url} answered #{token.inspect} to authorizeIdentity, not a token")
      end

      token
    end

    def inspect
      # Never print the key.
      "#<#{self.class.name} url=#{@url} timeout=#{@timeout}>"
    end

    private

    def post(body)
      request = Net::HTTP::Post.new(@url.request_uri)
      request["X-Backend-Key"] = @key
      request["Content-Type"] = "application/json"
      request["Accept"] = "application/json"
      request.body = body

      response = http.request(request)
      text = response.body.to_s.dup.force_encoding(Encoding::UTF_8)
      log { "snorky <- #{response.code} #{text}" }
      unless response.code == "200"
        raise TransportError.new(
          "Snorky backend at #{@url} answered HTTP #{response.code}", status: response.code.to_i, body: text
        )
      end

      text
    rescue Net::OpenTimeout => e
      raise TransportError, "Snorky backend at #{@url} unreachable: #{e.class}: #{e.message}"
    rescue Timeout::Error => e
      raise TransportError.new("Snorky backend at #{@url} did not answer within #{@timeout} s: #{e.class}", timed_out: true)
    rescue *NETWORK_ERRORS => e
      reset = e.is_a?(Errno::ECONNRESET) || e.is_a?(EOFError) || e.is_a?(Errno::EPIPE)
      raise TransportError.new("Snorky backend at #{@url} unreachable: #{e.class}: #{e.message}", reset: reset)
    end

    def http
      http = Net::HTTP.new(@url.host, @url.port)
      http.use_ssl = @url.scheme == "https"
      http.open_timeout = @timeout
      http.read_timeout = @timeout
      http.write_timeout = @timeout
      # A retried POST could publish a delta twice; let the caller decide.
      http.max_retries = 0
      http
    end

    # Body -> the RPC reply inside the envelope, or TransportError.
    def unwrap(text)
      begin
        envelope = JSON.parse(text)
      rescue JSON::ParserError => e
        raise TransportError.new("Snorky backend at #{@url} sent a non-JSON body: #{e.message}", status: 200, body: text)
      end
      reply = envelope.is_a?(Hash) ? envelope["message"] : nil
      unless reply.is_a?(Hash) && %w[response error].include?(reply["type"])
        raise TransportError.new("Snorky backend at #{@url} sent no RPC reply envelope", status: 200, body: text)
      end

      reply
    end

    def log
      @logger&.debug(yield)
    end
  end
end

# frozen_string_literal: true

module Snorky
  # The service answered with an RPC error. The message is the protocol's
  # error text verbatim ("No such dealer", "Invalid params", ...), so callers
  # can match on it.
  class Error < StandardError
    attr_reader :service, :command

    def initialize(text, service: nil, command: nil)
      super(text)
      @service = service
      @command = command
    end
  end

  # The request never produced an RPC reply: server unreachable, timeout,
  # HTTP status other than 200 (e.g. 401 for a wrong key), or a body that is
  # not a Snorky reply envelope. Kept apart from Snorky::Error on purpose:
  # this one is about the pipe, that one is about the call.
  class TransportError < StandardError
    attr_reader :status, :body

    # timed_out: no answer in time, the request may still have been delivered.
    # reset: the connection went away under the request.
    def initialize(text, status: nil, body: nil, timed_out: false, reset: false)
      super(text)
      @status = status
      @body = body
      @timed_out = timed_out
      @reset = reset
    end

    def timed_out?
      @timed_out
    end

    def reset?
      @reset
    end

    # Sending again may succeed: no HTTP answer at all (refused, reset,
    # timeout) or a server-side 5xx (503: the node is cut off from Redis).
    def transient?
      status.nil? || status >= 500 || [408, 429].include?(status)
    end
  end

  # Backend URL or API key missing (neither Rails config nor environment).
  class ConfigurationError < StandardError; end
end

# frozen_string_literal: true

require "securerandom"
require "snorky/error"

module Snorky
  # At-least-once publishing of DataSync delta batches, off the web request.
  #
  # #submit queues the deltas of one committed transaction as one batch with a
  # fresh batch id and returns at once; one background thread sends batches in
  # order and retries transient failures (refused, reset, timeout, HTTP 5xx /
  # 503) with exponential backoff and full jitter. Snorky deduplicates by batch
  # id, so a retry after a lost reply is never delivered twice.
  #
  # Not retried (retrying cannot help): an RPC error about the batch itself and
  # HTTP 4xx such as a wrong key — logged at ERROR, never raised into the app.
  # The queue is bounded: when Snorky stays away the oldest batch is dropped
  # with an ERROR line. For "every committed change, across outages and
  # restarts" use the durable outbox (Snorky::Outbox).
  class Publisher
    DEFAULT_MAX_QUEUE = 10_000
    # Seconds a batch is retried (below Snorky's 900 s dedup window).
    DEFAULT_RETRY_FOR = 600
    FIRST_DELAY = 0.1
    MAX_DELAY = 10.0

    attr_reader :dropped

    def self.new_batch_id
      SecureRandom.hex(16)
    end

    # Full jitter: a random wait up to first * 2**attempt, at most cap.
    def self.backoff_delay(attempt, first: FIRST_DELAY, cap: MAX_DELAY)
      rand * [cap, first * (2**attempt)].min
    end

    # send_batch: ->(deltas, batch_id) performing one publishDeltas call.
    def initialize(send_batch, logger: nil, max_queue: DEFAULT_MAX_QUEUE, retry_for: DEFAULT_RETRY_FOR)
      @send_batch = send_batch
      @logger = logger
      @max_queue = max_queue
      @retry_for = retry_for
      @queue = []
      @mutex = Mutex.new
      @changed = ConditionVariable.new
      @busy = false
      @closed = false
      @dropped = 0
      @thread = nil
      @pid = nil
    end

    # Queue one batch; never blocks, never raises. Returns its id.
    def submit(deltas, batch_id = nil)
      batch_id ||= self.class.new_batch_id
      return batch_id if deltas.empty?

      @mutex.synchronize do
        if @queue.size >= @max_queue
          old_id, old = @queue.shift
          @dropped += 1
          log(:error, "Snorky: publish queue full (#{@max_queue} batches, Snorky unreachable?): batch #{old_id} of #{old.size} deltas dropped")
        end
        @queue << [batch_id, deltas]
        ensure_thread
        @changed.broadcast
      end
      batch_id
    end

    # Waits until every queued batch was sent or given up; true if so in time.
    def flush(timeout = nil)
      deadline = timeout && (monotonic + timeout)
      @mutex.synchronize do
        while !@queue.empty? || @busy
          left = deadline && (deadline - monotonic)
          return false if left && left <= 0

          @changed.wait(@mutex, left)
        end
      end
      true
    end

    # Sends what is queued (up to timeout s), then stops; the rest is dropped.
    def close(timeout = 5)
      flush(timeout)
      @mutex.synchronize do
        @closed = true
        log(:error, "Snorky: publisher closed with #{@queue.size} batches unsent") unless @queue.empty?
        @queue.clear
        @changed.broadcast
      end
    end

    # Waits until no batch is being sent (after close: the one in flight gives up at its next failure).
    def wait_idle(timeout)
      deadline = monotonic + timeout
      @mutex.synchronize do
        while @busy
          left = deadline - monotonic
          return false if left <= 0

          @changed.wait(@mutex, left)
        end
      end
      true
    end

    # Calls the sender until it succeeds, fails for good, or retry_for passed.
    # Returns true when delivered; never raises for a Snorky failure.
    def send_with_retry(batch_id, deltas)
      started = monotonic
      attempt = 0
      loop do
        begin
          @send_batch.call(deltas, batch_id)
          log(:info, "Snorky: batch #{batch_id} delivered after #{attempt} retries") if attempt.positive?
          return true
        rescue Snorky::Error, Snorky::ConfigurationError => e
          log(:error, "Snorky: batch #{batch_id} of #{deltas.size} deltas refused, not retried: #{e.class}: #{e.message}")
          return false
        rescue Snorky::TransportError => e
          unless e.transient?
            log(:error, "Snorky: batch #{batch_id} of #{deltas.size} deltas refused, not retried: #{e.message}")
            return false
          end
          waited = monotonic - started
          if waited >= @retry_for || @closed
            log(:error, "Snorky: batch #{batch_id} of #{deltas.size} deltas given up after #{attempt + 1} attempts in #{waited.round} s: #{e.message}")
            return false
          end
          # A timed-out request may have been delivered: the retry carries the same id.
          verb = e.timed_out? ? "timed out (may have been delivered)" : "failed"
          # A reset is retried at once: a fresh connection is the usual cure.
          delay = attempt.zero? && e.reset? ? 0 : self.class.backoff_delay(attempt)
          log(:warn, format("Snorky: batch %s %s, retrying in %.2f s: %s", batch_id, verb, delay, e.message))
          attempt += 1
          sleep(delay) if delay.positive?
        rescue StandardError => e # e.g. a snorky_json that cannot be encoded
          log(:error, "Snorky: batch #{batch_id} of #{deltas.size} deltas cannot be sent: #{e.class}: #{e.message}")
          return false
        end
      end
    end

    private

    def ensure_thread
      return if @thread&.alive? && @pid == Process.pid

      @pid = Process.pid
      @closed = false
      @thread = Thread.new { run }
      @thread.name = "snorky-publisher" if @thread.respond_to?(:name=)
    end

    def run
      loop do
        batch_id, deltas = @mutex.synchronize do
          @changed.wait(@mutex) while @queue.empty? && !@closed
          return if @queue.empty?

          @busy = true
          @queue.shift
        end
        begin
          send_with_retry(batch_id, deltas)
        ensure
          @mutex.synchronize do
            @busy = false
            @changed.broadcast
          end
        end
      end
    end

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end

    def log(level, line)
      logger = @logger.respond_to?(:call) ? @logger.call : @logger
      logger&.public_send(level, line)
    end
  end
end

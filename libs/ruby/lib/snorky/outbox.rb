# frozen_string_literal: true

require "json"
require "active_record"
require "snorky/configuration"
require "snorky/publisher"

module Snorky
  # Durable outbox (config.snorky.delivery = :outbox): each committed
  # transaction's deltas are written to the snorky_outbox table inside that
  # transaction; a background thread in each process sends them, one batch per
  # transaction (batch id = the transaction's), and deletes the rows once
  # Snorky acknowledged. Rows left by a crash or an outage go out when any
  # process of the app runs again. Create the table with a migration:
  #
  #   require "snorky/outbox"
  #   class CreateSnorkyOutbox < ActiveRecord::Migration[6.1]
  #     def change = Snorky::Outbox.create_table(self)
  #   end
  module Outbox
    TABLE = "snorky_outbox"
    # Seconds between looks at the table when nothing woke the drainer (rows of other processes).
    POLL_INTERVAL = 5
    MAX_DELAY = 30.0
    BATCHES_PER_ROUND = 100

    class Delta < ActiveRecord::Base
      self.table_name = TABLE
    end

    def self.create_table(migration)
      migration.create_table TABLE do |t|
        t.string :batch_id, null: false, limit: 64, index: true
        t.text :delta, null: false
        t.datetime :created_at, null: false
      end
    end

    # Writes the deltas in the transaction open on connection.
    def self.record(deltas, batch_id, connection)
      now = Time.now.utc
      rows = deltas.map { |d| { batch_id: batch_id, delta: JSON.generate(d), created_at: now } }
      Delta.connection == connection ? Delta.insert_all!(rows) : insert_on(connection, rows)
    end

    def self.insert_on(connection, rows)
      rows.each do |row|
        connection.exec_insert(
          "INSERT INTO #{connection.quote_table_name(TABLE)} (batch_id, delta, created_at) VALUES (?, ?, ?)",
          "Snorky outbox", [row[:batch_id], row[:delta], row[:created_at]]
        )
      end
    end

    # Sends every batch in the table, oldest first. Returns [sent, failure]:
    # failure is the TransportError that stopped the round, or nil.
    def self.drain_once
      sent = 0
      loop do
        batch_ids = Delta.group(:batch_id).order(Arel.sql("MIN(id)")).limit(BATCHES_PER_ROUND).pluck(:batch_id)
        return [sent, nil] if batch_ids.empty?

        batch_ids.each do |batch_id|
          rows = Delta.where(batch_id: batch_id).order(:id).to_a
          deltas = rows.map { |r| JSON.parse(r.delta) }
          begin
            Snorky.backend.publish_deltas(deltas, service: Snorky.config.datasync_service, batch_id: batch_id)
          rescue Snorky::Error => e
            # The batch itself is refused: sending it again cannot help.
            Snorky.config.logger&.error("Snorky: outbox batch #{batch_id} of #{deltas.size} deltas refused, deleted: #{e.message}")
          rescue Snorky::TransportError => e
            return [sent, e] # kept: sent again on the next round
          end
          Delta.where(id: rows.map(&:id)).delete_all
          sent += 1
        end
      end
    end

    # One thread per process; woken by commits, polling for rows of other processes.
    class Drainer
      def initialize
        @mutex = Mutex.new
        @changed = ConditionVariable.new
        @wanted = false
        @busy = false
        @thread = nil
        @pid = nil
      end

      def start
        @mutex.synchronize do
          return if @thread&.alive? && @pid == Process.pid

          @pid = Process.pid
          @wanted = true # first round at once: rows left from before a restart
          @busy = true
          @thread = Thread.new { run }
        end
      end

      def wake
        start
        @mutex.synchronize do
          @wanted = true
          @busy = true
          @changed.broadcast
        end
      end

      # Waits until a round found nothing left to send (or timeout).
      def flush(timeout = nil)
        deadline = timeout && (Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout)
        @mutex.synchronize do
          while @busy
            left = deadline && (deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC))
            return false if left && left <= 0

            @changed.wait(@mutex, left)
          end
        end
        true
      end

      private

      def run
        failures = 0
        loop do
          @mutex.synchronize do
            delay = failures.zero? ? POLL_INTERVAL : Publisher.backoff_delay(failures, first: 0.2, cap: MAX_DELAY)
            @changed.wait(@mutex, delay) unless @wanted
            @wanted = false
          end
          failure = round
          if failure.nil?
            failures = 0
            @mutex.synchronize do
              unless @wanted
                @busy = false
                @changed.broadcast
              end
            end
          else
            failures += 1
          end
        end
      end

      def round
        _, failure = ActiveRecord::Base.connection_pool.with_connection { Outbox.drain_once }
        if failure
          verb = failure.timed_out? ? "timed out (may have been delivered)" : "failed"
          level = failure.transient? ? :warn : :error
          Snorky.config.logger&.public_send(level, "Snorky: outbox send #{verb}; rows kept, retrying: #{failure.message}")
        end
        failure
      rescue StandardError => e # the table is missing (not migrated yet), the database is away...
        Snorky.config.logger&.error("Snorky: outbox cannot be read: #{e.class}: #{e.message}")
        e
      end
    end

    @drainer = Drainer.new

    def self.drainer
      @drainer
    end
  end
end

# frozen_string_literal: true

require "snorky/publisher"

module Snorky
  # The deltas of one ActiveRecord transaction, sent as one publishDeltas
  # batch with one batch id. It joins the transaction as a "transaction
  # record" (the interface Rails calls on saved records: before_committed!,
  # committed!, rolledback!), so it learns about the commit and the rollback
  # without an after_commit per model:
  #
  # - before_committed! (still inside the transaction): computes each enlisted
  #   record's delta; in outbox delivery, writes them to snorky_outbox there;
  # - committed!: hands the batch to the background publisher (or sends it
  #   inline, or wakes the outbox drainer);
  # - rolledback!: forgets it.
  #
  # One batch per transaction, except that records saved inside a savepoint
  # (transaction(requires_new: true)) form their own batch, so that rolling
  # the savepoint back drops exactly their deltas.
  class TransactionBatch
    def self.enlist(record)
      connection = record.class.connection
      transaction = connection.current_transaction
      unless transaction.open?
        new(connection).tap { |b| b.add(record) }.deliver_now
        return
      end
      batch = transaction.instance_variable_get(:@snorky_batch)
      unless batch
        batch = new(connection)
        transaction.instance_variable_set(:@snorky_batch, batch)
        connection.add_transaction_record(batch)
      end
      batch.add(record)
    end

    attr_reader :batch_id

    def initialize(connection)
      @connection = connection
      @records = []
      @deltas = nil
      @batch_id = Publisher.new_batch_id
      @done = false
    end

    def add(record)
      @records << record unless @records.any? { |r| r.equal?(record) }
    end

    # --- the transaction record interface ---------------------------------

    def trigger_transactional_callbacks?
      true
    end

    def has_transactional_callbacks?
      true
    end

    def before_committed!
      collect
      return unless outbox? && !@deltas.empty?

      require "snorky/outbox"
      Snorky::Outbox.record(@deltas, @batch_id, @connection)
    end

    def committed!(should_run_callbacks: true) # rubocop:disable Lint/UnusedMethodArgument
      return if @done

      @done = true
      collect
      return if @deltas.empty?

      if outbox?
        Snorky::Outbox.drainer.wake
      elsif Snorky.config.delivery.to_s == "inline"
        Snorky.publish_inline(@deltas, @batch_id)
      else
        Snorky.publisher.submit(@deltas, @batch_id)
      end
    end

    def rolledback!(force_restore_state: false, should_run_callbacks: true) # rubocop:disable Lint/UnusedMethodArgument
      @done = true
      @records.each { |r| r.send(:snorky_forget_changes) }
    end

    def add_to_transaction(*); end

    # Outside any transaction (should not happen for a save): publish at once.
    def deliver_now
      before_committed!
      committed!
    end

    private

    def outbox?
      Snorky.config.delivery.to_s == "outbox"
    end

    def collect
      return if @deltas

      @deltas = @records.filter_map(&:snorky_delta)
      @records.each { |r| r.send(:snorky_forget_changes) }
    end
  end
end

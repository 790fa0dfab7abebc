# frozen_string_literal: true

# Snorky::TransactionBatch, Snorky::Publisher and Snorky::Outbox: one batch per
# transaction with a batch id, sent off the request by a background thread that
# retries transient failures and never raises into the app; the durable outbox.
require_relative "subscribable_test" # its schema and models
require "snorky/outbox"

ActiveRecord::Schema.define do
  Snorky::Outbox.create_table(self) unless connection.table_exists?(Snorky::Outbox::TABLE)
end

class DeliveryTest < Minitest::Test
  def setup
    @lines = []
    @peer = HttpPeer.new { HttpPeer.response(nil) }
    configure
    SubscribableTask.delete_all
    Snorky::Outbox::Delta.delete_all
  end

  def teardown
    @peer.close
    @other&.close
    Snorky.instance_variable_set(:@config, nil)
    Snorky.reset_backend!
  end

  def configure(**settings)
    lines = @lines
    logger = Object.new
    %i[debug info].each { |level| logger.define_singleton_method(level) { |_| nil } }
    %i[warn error].each { |level| logger.define_singleton_method(level) { |line| lines << "#{level.upcase} #{line}" } }
    Snorky.configure do |c|
      c.backend_url = @peer.url
      c.api_key = "swordfish"
      c.enabled = true
      c.timeout = 1
      c.delivery = :background
      c.logger = logger
      settings.each { |k, v| c.public_send("#{k}=", v) }
    end
  end

  def batches(peer = @peer)
    assert Snorky.flush(15), "the background sender did not finish in 15 s"
    peer.all_requests.map { |r| r.json["message"]["params"] }
  end

  def test_one_batch_with_a_batch_id_per_transaction
    SubscribableTask.transaction do
      a = SubscribableTask.create!(title: "a")
      SubscribableTask.create!(title: "b")
      SubscribableNote.create!(body: "c")
      a.update!(title: "a2")
    end
    SubscribableTask.create!(title: "alone")
    sent = batches
    assert_equal [%w[insert insert insert], %w[insert]], sent.map { |b| b["deltas"].map { |d| d["type"] } }
    assert_equal %w[a2 b], sent[0]["deltas"].first(2).map { |d| d["data"]["title"] }
    ids = sent.map { |b| b["batchId"] }
    assert_equal 2, ids.uniq.size
    assert(ids.all? { |id| id.size == 32 })
  end

  def test_a_rolled_back_savepoint_drops_only_its_own_deltas
    SubscribableTask.transaction do
      SubscribableTask.create!(title: "kept")
      SubscribableTask.transaction(requires_new: true) do
        SubscribableTask.create!(title: "dropped")
        raise ActiveRecord::Rollback
      end
    end
    assert_equal [["kept"]], batches.map { |b| b["deltas"].map { |d| d["data"]["title"] } }
  end

  def test_a_stalled_snorky_holds_neither_the_save_nor_a_timeout_per_row
    @peer.respond { |_| @peer.requests.size == 1 ? (sleep(3) && HttpPeer.response(nil)) : HttpPeer.response(nil) }
    3.times { |i| SubscribableTask.create!(title: "row #{i}", owner: "o") }
    assert Snorky.flush(15)
    @peer.all_requests
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    SubscribableTask.transaction { SubscribableTask.where(owner: "o").each(&:destroy!) }
    elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    assert_operator elapsed, :<, 0.5
    sent = batches
    assert_equal [3], sent.map { |b| b["deltas"].size }.uniq
  end

  def test_a_timed_out_send_is_not_called_failed_and_is_retried_under_the_same_id
    first = true
    @peer.respond do |_|
      if first
        first = false
        sleep 1.5 # longer than the 1 s timeout: delivered, but the answer comes too late
      end
      HttpPeer.response(nil)
    end
    SubscribableTask.create!(title: "slow")
    sent = batches
    assert_equal 2, sent.size
    assert_equal 1, sent.map { |b| b["batchId"] }.uniq.size
    assert_match(/timed out \(may have been delivered\), retrying/, @lines.join("\n"))
    refute_match(/given up|refused/, @lines.join("\n"))
  end

  def test_snorky_down_then_up_delivers
    port = @peer.port
    @peer.close
    SubscribableTask.create!(title: "while down")
    sleep 0.5
    @other = HttpPeer.new(port: port) { HttpPeer.response(nil) }
    assert_equal [["while down"]], batches(@other).map { |b| b["deltas"].map { |d| d["data"]["title"] } }
    assert_match(/failed, retrying in .*ECONNREFUSED/, @lines.join("\n"))
  end

  def test_503_and_500_are_retried_with_the_same_batch_id
    answers = [[503, "cut off"], [500, "oops"]]
    @peer.respond { |_| answers.shift || HttpPeer.response(nil) }
    SubscribableTask.create!(title: "t")
    sent = batches
    assert_equal 3, sent.size
    assert_equal 1, sent.map { |b| b["batchId"] }.uniq.size
  end

  def test_a_reset_connection_is_retried_at_once
    first = true
    @peer.respond do |_|
      next HttpPeer.response(nil) unless first

      first = false
      :close
    end
    SubscribableTask.create!(title: "t")
    assert_equal 2, batches.size
    assert_match(/retrying in 0\.00 s/, @lines.join("\n"))
  end

  def test_a_wrong_key_is_logged_never_raised_and_the_write_stays
    @peer.respond { |_| [401, '{"message":"Wrong X-Backend-Key"}'] }
    SubscribableTask.create!(title: "saved") # no exception: no 500 for a saved write
    assert_equal 1, batches.size
    assert_equal 1, SubscribableTask.where(title: "saved").count
    assert_match(/ERROR Snorky: batch \h+ of 1 deltas refused, not retried: .*HTTP 401/, @lines.join("\n"))
  end

  def test_the_queue_is_bounded_dropping_the_oldest
    gate = Queue.new
    sent = []
    publisher = Snorky::Publisher.new(->(_d, id) { gate.pop; sent << id }, logger: Snorky.config.logger, max_queue: 2)
    publisher.submit([1], "first")
    sleep 0.1
    %w[a b c].each { |id| publisher.submit([1], id) }
    4.times { gate << true }
    assert publisher.flush(5)
    assert_equal %w[first b c], sent
    assert_equal 1, publisher.dropped
    assert_match(/publish queue full/, @lines.join("\n"))
  end

  def test_outbox_rows_are_written_in_the_transaction_and_sent_as_one_batch
    configure(delivery: :outbox)
    @peer.respond { |_| [503, "down"] }
    SubscribableTask.transaction do
      SubscribableTask.create!(title: "a")
      SubscribableTask.create!(title: "b")
      assert_equal 0, Snorky::Outbox::Delta.count, "written only at commit, inside the transaction"
    end
    rows = Snorky::Outbox::Delta.order(:id).to_a
    assert_equal 2, rows.size
    assert_equal 1, rows.map(&:batch_id).uniq.size
    # a drain while Snorky answers 503 keeps the rows; once it answers, they go out and are deleted
    sent, failure = Snorky::Outbox.drain_once
    assert_equal 0, sent
    assert failure.transient?
    assert_equal 2, Snorky::Outbox::Delta.count
    @peer.respond { |_| HttpPeer.response(nil) }
    assert_equal [1, nil], Snorky::Outbox.drain_once
    assert_equal 0, Snorky::Outbox::Delta.count
    last = @peer.all_requests.last.json["message"]["params"]
    assert_equal rows.first.batch_id, last["batchId"]
    assert_equal %w[a b], last["deltas"].map { |d| d["data"]["title"] }
  end

  def test_outbox_a_rollback_leaves_no_row
    configure(delivery: :outbox)
    SubscribableTask.transaction do
      SubscribableTask.create!(title: "ghost")
      raise ActiveRecord::Rollback
    end
    assert_equal 0, Snorky::Outbox::Delta.count
  end
end

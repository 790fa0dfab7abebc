# frozen_string_literal: true

require "test_helper"
require_rails_part!("active_record", "ruby-rails")
require_rails_part!("sqlite3", "ruby-sqlite3")
require "snorky/subscribable"

ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: ":memory:")
ActiveRecord::Migration.verbose = false
ActiveRecord::Schema.define do
  create_table :subscribable_tasks, force: true do |t|
    t.string :title
    t.boolean :completed, default: false, null: false
    t.string :owner
    t.integer :priority, default: 0
    t.json :tags
    t.datetime :due_at
  end
  create_table :subscribable_notes, force: true do |t|
    t.string :body
    t.string :type
  end
end

class SubscribableTask < ActiveRecord::Base
  include Snorky::Subscribable
  enum priority: { low: 0, high: 1 }
end

class SubscribableNote < ActiveRecord::Base
  include Snorky::Subscribable
  snorky_model "Note"

  def snorky_json
    { "id" => id, "body" => body }
  end
end

class StickyNote < SubscribableNote; end

class SubscribableTest < Minitest::Test
  def setup
    @peer = HttpPeer.new { HttpPeer.response(nil) }
    Snorky.configure do |c|
      c.backend_url = @peer.url
      c.api_key = "swordfish"
      c.datasync_service = "datasync_backend"
      c.enabled = true
      c.delivery = :background
    end
    SubscribableTask.delete_all
    SubscribableNote.delete_all
    @peer.all_requests
  end

  def teardown
    @peer.close
    Snorky.instance_variable_set(:@config, nil)
    Snorky.reset_backend!
  end

  # Every delta Snorky received, once the background sender is done.
  def deltas
    assert Snorky.flush(10), "the background sender did not finish in 10 s"
    @peer.all_requests.flat_map do |req|
      assert_equal "swordfish", req.headers["x-backend-key"]
      message = req.json["message"]
      assert_equal "publishDeltas", message["command"]
      message["params"]["deltas"]
    end
  end

  def test_create_publishes_an_insert_with_as_json
    task = SubscribableTask.create!(title: "write", owner: "ann", tags: ["a"])
    assert_equal [{ "type" => "insert", "model" => "SubscribableTask", "data" => task.as_json.as_json }], deltas
    assert_equal "write", task.as_json["title"]
  end

  def test_update_carries_old_and_new_data_without_a_query
    task = SubscribableTask.create!(title: "write", owner: "ann", tags: ["a"], due_at: Time.utc(2024, 1, 2))
    deltas

    queries = []
    counter = ->(*, payload) { queries << payload[:sql] unless payload[:name] == "SCHEMA" }
    ActiveSupport::Notifications.subscribed(counter, "sql.active_record") do
      task.update!(title: "rewrite", completed: true, priority: :high, tags: %w[a b], due_at: Time.utc(2025, 3, 4))
    end
    refute(queries.any? { |sql| sql.start_with?("SELECT") }, "oldData must not be loaded with a query: #{queries}")

    delta, = deltas
    assert_equal "update", delta["type"]
    assert_equal "SubscribableTask", delta["model"]
    old = delta["oldData"]
    assert_equal task.id, old["id"]
    assert_equal ["write", false, "low", ["a"], "ann"], old.values_at("title", "completed", "priority", "tags", "owner")
    assert_equal Time.utc(2024, 1, 2), Time.parse(old["due_at"])
    new = delta["newData"]
    assert_equal ["rewrite", true, "high", %w[a b], "ann"], new.values_at("title", "completed", "priority", "tags", "owner")
    assert_equal Time.utc(2025, 3, 4), Time.parse(new["due_at"])
  end

  def test_destroy_publishes_a_delete
    task = SubscribableTask.create!(title: "gone", owner: "bob")
    deltas
    task.destroy!
    assert_equal [{ "type" => "delete", "model" => "SubscribableTask", "data" => task.as_json.as_json }], deltas
  end

  def test_save_without_changes_publishes_nothing
    task = SubscribableTask.create!(title: "same")
    deltas
    task.save!
    task.update!(title: "same")
    assert_equal [], deltas
  end

  def test_rolled_back_transaction_publishes_nothing
    task = SubscribableTask.create!(title: "keep")
    deltas
    SubscribableTask.transaction do
      task.update!(title: "changed")
      SubscribableTask.create!(title: "never")
      raise ActiveRecord::Rollback
    end
    assert_equal [], deltas
    # The next committed change is still correct after the rollback.
    task.reload.update!(completed: true)
    delta, = deltas
    assert_equal [false, true], [delta["oldData"]["completed"], delta["newData"]["completed"]]
  end

  def test_deltas_wait_for_the_commit
    SubscribableTask.transaction do
      SubscribableTask.create!(title: "pending")
      assert_equal [], deltas, "nothing may be published before the commit"
    end
    assert_equal ["insert"], deltas.map { |d| d["type"] }
  end

  def test_several_saves_in_one_transaction_give_one_delta_against_the_pre_transaction_state
    task = SubscribableTask.create!(title: "v1", owner: "ann")
    deltas
    SubscribableTask.transaction do
      task.update!(title: "v2")
      task.update!(owner: "bob")
    end
    delta, *rest = deltas
    assert_empty rest
    assert_equal %w[v1 ann], delta["oldData"].values_at("title", "owner")
    assert_equal %w[v2 bob], delta["newData"].values_at("title", "owner")
  end

  def test_create_then_update_in_one_transaction_is_one_insert_with_the_final_data
    SubscribableTask.transaction do
      task = SubscribableTask.create!(title: "draft")
      task.update!(title: "final")
    end
    delta, *rest = deltas
    assert_empty rest
    assert_equal "insert", delta["type"]
    assert_equal "final", delta["data"]["title"]
  end

  def test_create_then_destroy_in_one_transaction_publishes_nothing
    SubscribableTask.transaction { SubscribableTask.create!(title: "blink").destroy! }
    assert_equal [], deltas
  end

  def test_update_then_destroy_in_one_transaction_deletes_the_state_subscribers_saw
    task = SubscribableTask.create!(title: "seen", owner: "ann")
    deltas
    SubscribableTask.transaction do
      task.update!(owner: "bob")
      task.destroy!
    end
    delta, *rest = deltas
    assert_empty rest
    assert_equal %w[delete SubscribableTask], delta.values_at("type", "model")
    assert_equal "ann", delta["data"]["owner"]
  end

  def test_custom_snorky_json_and_model_name_and_sti_subclasses
    note = StickyNote.create!(body: "hi")
    note.update!(body: "hey")
    note.destroy!
    assert_equal [
      { "type" => "insert", "model" => "Note", "data" => { "id" => note.id, "body" => "hi" } },
      { "type" => "update", "model" => "Note", "newData" => { "id" => note.id, "body" => "hey" },
        "oldData" => { "id" => note.id, "body" => "hi" } },
      { "type" => "delete", "model" => "Note", "data" => { "id" => note.id, "body" => "hey" } }
    ], deltas
    assert_equal "SubscribableTask", SubscribableTask.snorky_model
  end

  def test_configured_datasync_service_name
    Snorky.config.datasync_service = "sync_backend"
    SubscribableTask.create!(title: "x")
    assert_equal "sync_backend", @peer.next_request.json["service"]
  end

  def test_disabled_publishes_nothing
    Snorky.config.enabled = false
    SubscribableTask.create!(title: "quiet")
    assert_equal [], deltas
  end

  def test_a_failed_publish_never_fails_the_saved_write_by_default
    @peer.respond { HttpPeer.error("Invalid delta type") }
    lines = []
    Snorky.config.logger = line_logger(lines)
    SubscribableTask.create!(title: "x") # no exception: the row is saved
    assert Snorky.flush(10)
    assert_equal 1, SubscribableTask.where(title: "x").count
    assert_match(/refused, not retried: Snorky::Error: Invalid delta type/, lines.join("\n"))
  end

  def test_inline_delivery_with_publish_errors_raise_raises_after_the_commit
    @peer.respond { HttpPeer.error("Invalid delta type") }
    Snorky.configure { |c| c.delivery = :inline; c.publish_errors = :raise }
    error = assert_raises(Snorky::Error) { SubscribableTask.create!(title: "x") }
    assert_equal "Invalid delta type", error.message
    assert_equal 1, SubscribableTask.where(title: "x").count, "the row stays committed"
  end

  def test_inline_delivery_logs_by_default
    @peer.respond { [401, "no"] }
    lines = []
    Snorky.configure { |c| c.delivery = :inline; c.logger = line_logger(lines) }
    SubscribableTask.create!(title: "logged")
    assert_equal 1, lines.size
    assert_match(/not published: Snorky::TransportError: .*HTTP 401/, lines.first)
  end

  def line_logger(lines)
    logger = Object.new
    %i[debug info].each { |level| logger.define_singleton_method(level) { |_| nil } }
    %i[warn error].each { |level| logger.define_singleton_method(level) { |line| lines << line } }
    logger
  end

  def test_missing_configuration_is_a_clear_error
    saved = %w[SNORKY_BACKEND_URL SNORKY_API_KEY].to_h { |k| [k, ENV.delete(k)] }
    Snorky.configure { |c| c.backend_url = nil; c.api_key = nil }
    error = assert_raises(Snorky::ConfigurationError) { SubscribableTask.create!(title: "x") }
    assert_match(/SNORKY_BACKEND_URL/, error.message)
  ensure
    saved&.each { |k, v| ENV[k] = v if v }
  end
end

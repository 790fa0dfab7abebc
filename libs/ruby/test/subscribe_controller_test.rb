# frozen_string_literal: true

require "test_helper"
require_rails_part!("action_controller", "ruby-rails")
require "rack/mock"
require "snorky/subscribe_controller"

class SubscribeControllerTest < Minitest::Test
  # Records, inside the query block, what the Snorky peer had seen so far.
  class TasksController < ActionController::API
    include Snorky::SubscribeController
    snorky_dealer "AllTasks"

    class << self
      attr_accessor :peer, :seen_before_query
    end

    def index
      render json: snorky_subscribe { query }
    end

    def mine
      render json: snorky_subscribe(dealer: "ByOwner", query: params[:owner]) { query }
    end

    def several
      items = [{ dealer: "AllTasks", query: nil }, { dealer: "ByOwner", query: "ann" }]
      render json: snorky_subscribe(items: items) { query }
    end

    private

    def query
      self.class.seen_before_query = self.class.peer.all_requests
      [{ "id" => 1, "title" => "t" }]
    end
  end

  class ScopedController < ActionController::API
    include Snorky::SubscribeController
    snorky_dealer "ByOwner", query: -> { params[:owner] }

    def index
      render json: snorky_subscribe { [] }
    end
  end

  class NoDealerController < ActionController::API
    include Snorky::SubscribeController

    def index
      render json: snorky_subscribe { [] }
    end
  end

  def setup
    @peer = HttpPeer.new { HttpPeer.response("token-1") }
    TasksController.peer = @peer
    Snorky.configure do |c|
      c.backend_url = @peer.url
      c.api_key = "swordfish"
      c.datasync_service = "datasync_backend"
    end
  end

  def teardown
    @peer.close
    Snorky.instance_variable_set(:@config, nil)
    Snorky.reset_backend!
  end

  def get(controller, action, headers = {}, params = "")
    env = Rack::MockRequest.env_for("/tasks?#{params}", headers)
    status, response_headers, body = controller.action(action).call(env)
    text = +""
    body.each { |part| text << part }
    [status, response_headers, JSON.parse(text)]
  end

  def test_subscribe_request_authorizes_before_the_query_and_returns_the_token
    status, headers, body = get(TasksController, :index, "HTTP_X_SNORKY" => "Subscribe")
    assert_equal 200, status
    assert_equal "token-1", headers["X-Subscription-Token"]
    assert_equal [{ "id" => 1, "title" => "t" }], body

    seen = TasksController.seen_before_query
    assert_equal 1, seen.size, "authorizeSubscription must be sent before the query runs"
    assert_equal "swordfish", seen.first.headers["x-backend-key"]
    assert_equal(
      { "service" => "datasync_backend",
        "message" => { "command" => "authorizeSubscription",
                       "params" => { "items" => [{ "dealer" => "AllTasks", "query" => nil }] } } },
      seen.first.json
    )
  end

  def test_plain_request_does_not_subscribe
    _, headers, body = get(TasksController, :index)
    assert_nil headers["X-Subscription-Token"]
    assert_equal 1, body.size
    assert_equal [], TasksController.seen_before_query
    assert_equal [], @peer.all_requests

    _, headers, = get(TasksController, :index, "HTTP_X_SNORKY" => "Unsubscribe")
    assert_nil headers["X-Subscription-Token"]
  end

  def test_header_value_is_case_insensitive
    _, headers, = get(TasksController, :index, "HTTP_X_SNORKY" => "subscribe")
    assert_equal "token-1", headers["X-Subscription-Token"]
  end

  def test_dealer_and_query_per_call
    get(TasksController, :mine, { "HTTP_X_SNORKY" => "Subscribe" }, "owner=ann")
    items = TasksController.seen_before_query.first.json["message"]["params"]["items"]
    assert_equal [{ "dealer" => "ByOwner", "query" => "ann" }], items
  end

  def test_explicit_items
    get(TasksController, :several, "HTTP_X_SNORKY" => "Subscribe")
    items = TasksController.seen_before_query.first.json["message"]["params"]["items"]
    assert_equal [{ "dealer" => "AllTasks", "query" => nil }, { "dealer" => "ByOwner", "query" => "ann" }], items
  end

  def test_class_level_query_proc_runs_in_the_controller
    get(ScopedController, :index, { "HTTP_X_SNORKY" => "Subscribe" }, "owner=bob")
    items = @peer.next_request.json["message"]["params"]["items"]
    assert_equal [{ "dealer" => "ByOwner", "query" => "bob" }], items
  end

  def test_rpc_error_from_authorization_propagates_and_the_query_does_not_run
    @peer.respond { HttpPeer.error("No such dealer") }
    TasksController.seen_before_query = :not_run
    error = assert_raises(Snorky::Error) { get(TasksController, :index, "HTTP_X_SNORKY" => "Subscribe") }
    assert_equal "No such dealer", error.message
    assert_equal :not_run, TasksController.seen_before_query
  end

  def test_missing_dealer_is_a_configuration_error
    error = assert_raises(Snorky::ConfigurationError) { get(NoDealerController, :index, "HTTP_X_SNORKY" => "Subscribe") }
    assert_match(/snorky_dealer/, error.message)
  end

  def test_configured_service_name
    Snorky.config.datasync_service = "sync_backend"
    get(TasksController, :index, "HTTP_X_SNORKY" => "Subscribe")
    assert_equal "sync_backend", TasksController.seen_before_query.first.json["service"]
  end
end

# frozen_string_literal: true

require "test_helper"

class BackendTest < Minitest::Test
  def setup
    @peer = HttpPeer.new { HttpPeer.response(42) }
    @backend = Snorky::Backend.new(url: @peer.url, key: "swordfish", timeout: 2)
  end

  def teardown
    @peer.close
  end

  def test_call_posts_the_envelope_with_the_key_and_json_headers
    assert_equal 42, @backend.call("pubsub_backend", "publish", channel: { "room" => 1 }, message: "hi")

    req = @peer.next_request
    assert_equal "POST", req.method
    assert_equal "/backend", req.path
    assert_equal "swordfish", req.headers["x-backend-key"]
    assert_equal "application/json", req.headers["content-type"]
    assert_equal "application/json", req.headers["accept"]
    assert_equal(
      { "service" => "pubsub_backend",
        "message" => { "command" => "publish", "params" => { "channel" => { "room" => 1 }, "message" => "hi" } } },
      req.json
    )
  end

  def test_call_without_params_sends_an_empty_params_object
    @backend.call("svc", "ping")
    assert_equal({ "command" => "ping", "params" => {} }, @peer.next_request.json["message"])
  end

  def test_returns_nil_data_and_structured_data
    @peer.respond { HttpPeer.response(nil) }
    assert_nil @backend.call("svc", "cmd")
    @peer.respond { HttpPeer.response({ "a" => [1, "dos", nil] }) }
    assert_equal({ "a" => [1, "dos", nil] }, @backend.call("svc", "cmd"))
  end

  def test_utf8_round_trip
    @peer.respond { |req| HttpPeer.response(req.json["message"]["params"]["message"]) }
    assert_equal "héllo ✓ 雪", @backend.call("pubsub_backend", "publish", channel: "c", message: "héllo ✓ 雪")
  end

  def test_rpc_error_raises_snorky_error_with_the_protocol_text
    @peer.respond { HttpPeer.error("No such dealer") }
    error = assert_raises(Snorky::Error) { @backend.authorize_subscription([{ dealer: "Nope", query: nil }]) }
    assert_equal "No such dealer", error.message
    assert_equal "datasync_backend", error.service
    assert_equal "authorizeSubscription", error.command
    refute_kind_of Snorky::TransportError, error
  end

  def test_http_401_is_a_transport_error_with_the_status
    @peer.respond { [401, "Unauthorized", { "Content-Type" => "text/plain" }] }
    error = assert_raises(Snorky::TransportError) { @backend.call("svc", "cmd") }
    assert_equal 401, error.status
    assert_equal "Unauthorized", error.body
    assert_match(/HTTP 401/, error.message)
  end

  def test_other_non_200_statuses_are_transport_errors
    [400, 404, 500, 204].each do |status|
      @peer.respond { [status, ""] }
      error = assert_raises(Snorky::TransportError) { @backend.call("svc", "cmd") }
      assert_equal status, error.status
    end
  end

  def test_non_json_body_is_a_transport_error
    @peer.respond { [200, "<html>proxy error</html>", { "Content-Type" => "text/html" }] }
    error = assert_raises(Snorky::TransportError) { @backend.call("svc", "cmd") }
    assert_match(/non-JSON/, error.message)
    assert_equal "<html>proxy error</html>", error.body
  end

  def test_json_that_is_not_a_reply_envelope_is_a_transport_error
    ['[1,2]', '{"service":"x"}', '{"service":"x","message":{"type":"delta"}}', '"str"'].each do |body|
      @peer.respond { [200, body] }
      assert_raises(Snorky::TransportError) { @backend.call("svc", "cmd") }
    end
  end

  def test_timeout_is_a_transport_error
    @peer.respond { :hang }
    backend = Snorky::Backend.new(url: @peer.url, key: "k", timeout: 0.3)
    started = Time.now
    error = assert_raises(Snorky::TransportError) { backend.call("svc", "cmd") }
    assert_operator Time.now - started, :<, 2, "the timeout must bound the call"
    assert_match(/Timeout/, error.message)
    assert_nil error.status
  end

  def test_connection_dropped_without_answer_is_a_transport_error
    @peer.respond { :close }
    assert_raises(Snorky::TransportError) { @backend.call("svc", "cmd") }
    # No automatic retry: a retried publishDeltas could deliver twice.
    assert_equal 1, @peer.all_requests.size
  end

  def test_unreachable_server_is_a_transport_error
    closed = TCPServer.new("127.0.0.1", 0)
    port = closed.addr[1]
    closed.close
    backend = Snorky::Backend.new(url: "http://127.0.0.1:#{port}/backend", key: "k", timeout: 1)
    error = assert_raises(Snorky::TransportError) { backend.call("svc", "cmd") }
    assert_match(/unreachable.*ECONNREFUSED/, error.message)
  end

  def test_publish_deltas_envelope_and_service_override
    @peer.respond { HttpPeer.response(nil) }
    delta = { type: "insert", model: "Task", data: { id: 1, title: "t" } }
    assert_nil @backend.publish_deltas([delta])
    assert_equal(
      { "service" => "datasync_backend",
        "message" => { "command" => "publishDeltas",
                       "params" => { "deltas" => [{ "type" => "insert", "model" => "Task", "data" => { "id" => 1, "title" => "t" } }] } } },
      @peer.next_request.json
    )

    @backend.publish_deltas([delta], service: "sync_backend")
    assert_equal "sync_backend", @peer.next_request.json["service"]
  end

  def test_authorize_subscription_returns_the_token
    @peer.respond { HttpPeer.response("tok123") }
    items = [{ dealer: "AllTasks", query: nil }, { dealer: "ByOwner", query: "ann" }]
    assert_equal "tok123", @backend.authorize_subscription(items)
    message = @peer.next_request.json["message"]
    assert_equal "authorizeSubscription", message["command"]
    assert_equal [{ "dealer" => "AllTasks", "query" => nil }, { "dealer" => "ByOwner", "query" => "ann" }], message["params"]["items"]
  end

  def test_authorize_identity_sends_identity_and_ttl_and_returns_the_token
    @peer.respond { HttpPeer.response("tok-1") }
    assert_equal "tok-1", @backend.authorize_identity({ id: 7, name: "ann" })
    req = @peer.next_request.json
    assert_equal "identity_backend", req["service"]
    assert_equal({ "command" => "authorizeIdentity", "params" => { "identity" => { "id" => 7, "name" => "ann" } } }, req["message"])
    @backend.authorize_identity("bob", ttl: 60, service: "staff_identity")
    req = @peer.next_request.json
    assert_equal "staff_identity", req["service"]
    assert_equal({ "identity" => "bob", "ttl" => 60 }, req["message"]["params"])
  end

  def test_authorize_identity_refuses_a_reply_that_is_not_a_token
    @peer.respond { HttpPeer.response(42) }
    assert_raises(Snorky::TransportError) { @backend.authorize_identity("ann") }
    @peer.respond { HttpPeer.error("Invalid params") }
    error = assert_raises(Snorky::Error) { @backend.authorize_identity(nil) }
    assert_equal "Invalid params", error.message
  end

  def test_pubsub_publish_helper
    @backend.publish("news", { "x" => 1 })
    req = @peer.next_request.json
    assert_equal "pubsub_backend", req["service"]
    assert_equal({ "command" => "publish", "params" => { "channel" => "news", "message" => { "x" => 1 } } }, req["message"])
  end

  def test_url_path_and_query_are_kept
    backend = Snorky::Backend.new(url: @peer.url("/snorky/backend?x=1"), key: "k")
    backend.call("svc", "cmd")
    assert_equal "/snorky/backend?x=1", @peer.next_request.path
  end

  def test_constructor_validation_and_inspect_hides_the_key
    assert_raises(ArgumentError) { Snorky::Backend.new(url: nil, key: "k") }
    assert_raises(ArgumentError) { Snorky::Backend.new(url: "http://x/backend", key: "") }
    assert_raises(ArgumentError) { Snorky::Backend.new(url: "ftp://x/backend", key: "k") }
    refute_includes @backend.inspect, "swordfish"
  end

  def test_debug_logger_sees_request_and_reply
    lines = []
    logger = Object.new
    logger.define_singleton_method(:debug) { |line| lines << line }
    Snorky::Backend.new(url: @peer.url, key: "k", logger: logger).call("svc", "cmd")
    assert_equal 2, lines.size
    assert_match(/-> .*"command":"cmd"/, lines[0])
    assert_match(/<- 200 /, lines[1])
  end
end

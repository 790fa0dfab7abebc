# frozen_string_literal: true

require "test_helper"

class ConfigurationTest < Minitest::Test
  ENV_KEYS = %w[SNORKY_BACKEND_URL SNORKY_API_KEY].freeze

  def setup
    @saved_env = ENV_KEYS.to_h { |k| [k, ENV[k]] }
    ENV_KEYS.each { |k| ENV.delete(k) }
    @config = Snorky::Configuration.new
  end

  def teardown
    @saved_env.each { |k, v| v.nil? ? ENV.delete(k) : ENV[k] = v }
  end

  def test_missing_settings_raise_a_clear_configuration_error
    error = assert_raises(Snorky::ConfigurationError) { @config.build_backend }
    assert_includes error.message, "config.snorky.backend_url or env SNORKY_BACKEND_URL"
    assert_includes error.message, "config.snorky.api_key or env SNORKY_API_KEY"

    @config.backend_url = "http://127.0.0.1:1/backend"
    error = assert_raises(Snorky::ConfigurationError) { @config.build_backend }
    refute_includes error.message, "SNORKY_BACKEND_URL"
    assert_includes error.message, "SNORKY_API_KEY"
  end

  def test_environment_fallback
    ENV["SNORKY_BACKEND_URL"] = "http://127.0.0.1:5801/backend"
    ENV["SNORKY_API_KEY"] = "swordfish"
    backend = @config.build_backend
    assert_equal "http://127.0.0.1:5801/backend", backend.url.to_s
  end

  def test_explicit_settings_win_over_environment
    ENV["SNORKY_BACKEND_URL"] = "http://env-host/backend"
    ENV["SNORKY_API_KEY"] = "env-key"
    @config.backend_url = "http://config-host/backend"
    @config.timeout = 7
    backend = @config.build_backend
    assert_equal "config-host", backend.url.host
    assert_equal 7, backend.timeout
  end

  def test_blank_values_count_as_missing
    ENV["SNORKY_BACKEND_URL"] = "  "
    @config.api_key = ""
    assert_raises(Snorky::ConfigurationError) { @config.build_backend }
  end

  def test_defaults
    assert_equal "datasync_backend", @config.datasync_service
    assert_equal 5, @config.timeout
    assert_equal true, @config.enabled
    assert_equal :log, @config.publish_errors
    assert_equal :background, @config.delivery
  end

  def test_configure_resets_the_shared_backend
    Snorky.configure { |c| c.backend_url = "http://a/backend"; c.api_key = "k" }
    assert_equal "a", Snorky.backend.url.host
    Snorky.configure { |c| c.backend_url = "http://b/backend" }
    assert_equal "b", Snorky.backend.url.host
  ensure
    Snorky.instance_variable_set(:@config, nil)
    Snorky.reset_backend!
  end
end

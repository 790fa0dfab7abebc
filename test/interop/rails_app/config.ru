# frozen_string_literal: true

# `rackup config.ru` also works; the interop test uses bin/server, which
# picks a free port and reports it.
require_relative "config/environment"
require_relative "db/schema"
run Rails.application

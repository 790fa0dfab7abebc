# frozen_string_literal: true

module Snorky
  VERSION = "0.1.0"
end

# frozen_string_literal: true

module Snorky
  VERSION = "0.2.0"
end

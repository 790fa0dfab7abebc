# frozen_string_literal: true

require_relative "lib/snorky/version"

Gem::Specification.new do |spec|
  spec.name = "snorky"
  spec.version = Snorky::VERSION
  spec.summary = "Backend connector for Snorky (PubSub, DataSync) with Rails integration"
  spec.description = <<~DESC
    Talks to the backend HTTP endpoint of a Snorky server: RPC calls, DataSync
    deltas and subscription tokens. Optional Rails integration publishes
    ActiveRecord changes as deltas and answers X-Snorky: Subscribe requests.
    Uses only the Ruby standard library at run time; the Rails parts load
    ActiveSupport, which a Rails app already has.
  DESC
  spec.authors = ["Snorky for NestJS contributors"]
  spec.license = "BSD-3-Clause"
  spec.required_ruby_version = ">= 2.7"
  # Built from the repository root by `npm run pack` (scripts/pack.js: gem build -C libs/ruby), which
  # also copies the root LICENSE in.
  spec.files = Dir.chdir(__dir__) { Dir["lib/**/*.rb", "LICENSE"] } + ["snorky.gemspec"]
  spec.require_paths = ["lib"]
  # Deliberately no runtime dependencies: net/http and json are stdlib.
  spec.add_development_dependency "minitest", ">= 5"
end

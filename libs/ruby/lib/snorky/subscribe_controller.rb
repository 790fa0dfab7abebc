# frozen_string_literal: true

require "active_support/concern"
require "snorky/configuration"

module Snorky
  # Controller concern for list endpoints that browsers can subscribe to
  # (the Rails counterpart of the DRF ListSubscribeModelMixin).
  #
  #   class TasksController < ApplicationController
  #     include Snorky::SubscribeController
  #     snorky_dealer "AllTasks"                        # dealer_query defaults to nil
  #
  #     def index
  #       render json: snorky_subscribe { Task.order(:id).map(&:snorky_json) }
  #     end
  #   end
  #
  # When the request carries `X-Snorky: Subscribe`, the subscription is
  # authorized FIRST, then the block runs the query, and the token goes out
  # in the `X-Subscription-Token` response header. Snorky keeps every delta
  # from the authorization on, so a change landing between the query and the
  # browser's acquireSubscription is not lost.
  module SubscribeController
    REQUEST_HEADER = "X-Snorky"
    REQUEST_VALUE = "Subscribe"
    TOKEN_HEADER = "X-Subscription-Token"

    extend ActiveSupport::Concern

    included do
      class_attribute :snorky_dealer_name, instance_accessor: false, default: nil
      class_attribute :snorky_dealer_query_value, instance_accessor: false, default: nil
    end

    class_methods do
      # Class-level default dealer (and query) for snorky_subscribe.
      def snorky_dealer(name, query: nil)
        self.snorky_dealer_name = name.to_s
        self.snorky_dealer_query_value = query
      end
    end

    # Runs the block (the query) and returns its value. On a subscribe
    # request it authorizes before the block and sets the token header.
    # Explicit items:, or dealer:/query:, override the class defaults.
    def snorky_subscribe(items: nil, dealer: nil, query: :__default)
      if snorky_subscription_requested?
        items ||= snorky_subscription_items(dealer: dealer, query: query)
        token = Snorky.backend.authorize_subscription(items, service: Snorky.config.datasync_service)
        response.headers[TOKEN_HEADER] = token
      end
      yield
    end

    def snorky_subscription_requested?
      request.headers[REQUEST_HEADER].to_s.strip.casecmp?(REQUEST_VALUE)
    end

    # [{dealer:, query:}] sent to authorizeSubscription. Override for
    # several items or a per-user query.
    def snorky_subscription_items(dealer: nil, query: :__default)
      name = dealer || snorky_dealer
      raise ConfigurationError, "#{self.class.name}: no Snorky dealer (call snorky_dealer \"Name\" or pass dealer:)" unless name

      [{ dealer: name.to_s, query: query == :__default ? snorky_dealer_query : query }]
    end

    # The class default dealer name; override to compute it.
    def snorky_dealer
      self.class.snorky_dealer_name
    end

    # The class default query; a Proc is evaluated in the controller.
    def snorky_dealer_query
      value = self.class.snorky_dealer_query_value
      value.respond_to?(:call) ? instance_exec(&value) : value
    end
  end
end

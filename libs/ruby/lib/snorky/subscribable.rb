# frozen_string_literal: true

require "active_support/concern"
require "snorky/configuration"
require "snorky/transaction_batch"

module Snorky
  # ActiveRecord concern: publishes a DataSync delta for every committed
  # create, update and destroy of the model.
  #
  #   class Task < ApplicationRecord
  #     include Snorky::Subscribable
  #     snorky_model "Task"                 # optional; default: the base class name
  #     def snorky_json = { id:, title: }   # optional; default: as_json
  #   end
  #
  # The deltas of one transaction go out after its commit as one batch with
  # a batch id (never for a rolled-back transaction), by default from a
  # background thread with retries (Snorky::Publisher): a save never waits
  # for Snorky and never fails because of it (config.snorky.delivery).
  # An update delta's oldData is snorky_json of a read-only copy built from
  # the attribute values before the transaction — no extra query.
  # Bypassing callbacks (update_column, update_all, delete_all, touch)
  # publishes nothing.
  module Subscribable
    extend ActiveSupport::Concern

    included do
      class_attribute :snorky_model_name, instance_accessor: false, default: nil

      after_create :snorky_note_create
      after_update :snorky_note_update
      after_save :snorky_enlist
      after_destroy :snorky_enlist
      after_rollback :snorky_forget_changes
    end

    class_methods do
      # Sets (with an argument) or reads the delta `model`. Defaults to the
      # STI base class name so all subclasses reach the same dealers.
      def snorky_model(name = nil)
        self.snorky_model_name = name.to_s unless name.nil?
        snorky_model_name || base_class.name
      end
    end

    # The JSON representation sent as data / newData / oldData.
    def snorky_json
      as_json
    end

    # The delta this record's committed transaction produced, or nil.
    def snorky_delta
      model = self.class.snorky_model
      if destroyed?
        # Created and destroyed in one transaction: nobody ever saw it.
        return nil if @snorky_created

        # Match dealers on the state subscribers saw (before the transaction).
        { type: "delete", model: model, data: @snorky_old_data || snorky_json }
      elsif @snorky_created
        { type: "insert", model: model, data: snorky_json }
      elsif @snorky_old_data
        { type: "update", model: model, newData: snorky_json, oldData: @snorky_old_data }
      end
    end

    private

    def snorky_note_create
      @snorky_created = true
    end

    # Keep the first pre-change snapshot of the transaction: saved_changes
    # only describes the last save, and subscribers saw the state before
    # the first one.
    def snorky_note_update
      return if @snorky_created || @snorky_old_data
      return if saved_changes.empty?

      @snorky_old_data = snorky_previous_record.snorky_json
    end

    # A read-only copy with the values before the last save, built through
    # the attribute types the way a database row would be (no query).
    def snorky_previous_record
      changes = saved_changes
      row = {}
      self.class.attribute_names.each do |name|
        value = changes.key?(name) ? changes[name].first : self[name]
        row[name] = self.class.type_for_attribute(name).serialize(value)
      end
      self.class.instantiate(row).tap(&:readonly!)
    end

    def snorky_enlist
      return unless Snorky.config.enabled

      Snorky.backend # a missing URL or key fails the save itself, loudly, not later in a thread
      Snorky::TransactionBatch.enlist(self)
    end

    def snorky_forget_changes
      @snorky_created = nil
      @snorky_old_data = nil
    end
  end
end

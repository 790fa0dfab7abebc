# frozen_string_literal: true

# Created at boot: every run of the interop test starts from an empty table.
ActiveRecord::Migration.verbose = false
ActiveRecord::Schema.define do
  create_table :tasks, force: true do |t|
    t.string :title, null: false
    t.boolean :completed, null: false, default: false
    t.string :owner
    t.timestamps
  end
  if ENV["RAILS_SNORKY_DELIVERY"] == "outbox"
    require "snorky/outbox"
    drop_table Snorky::Outbox::TABLE, if_exists: true
    Snorky::Outbox.create_table(self)
  end
end

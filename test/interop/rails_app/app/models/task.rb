# frozen_string_literal: true

class Task < ApplicationRecord
  # Publishes insert / update / delete deltas (model "Task") after commit.
  include Snorky::Subscribable

  validates :title, presence: true

  def snorky_json
    { "id" => id, "title" => title, "completed" => completed, "owner" => owner }
  end
end

# frozen_string_literal: true

class TasksController < ActionController::API
  include Snorky::SubscribeController
  snorky_dealer "AllTasks"

  # GET /tasks — with `X-Snorky: Subscribe` the subscription is authorized
  # before the query and the token is sent as X-Subscription-Token.
  # GET /tasks?owner=ann subscribes to that owner's tasks only.
  def index
    scope = params[:owner] ? Task.where(owner: params[:owner]) : Task.all
    subscription = params[:owner] ? { dealer: "TasksByOwner", query: params[:owner] } : {}
    tasks = snorky_subscribe(**subscription) do
      rows = scope.order(:id).to_a
      # Test-only knob: hold the request after the query so the interop test
      # can commit a change in the window between query and response.
      sleep(Float(params[:hold])) if params[:hold]
      rows
    end
    render json: tasks.map(&:snorky_json)
  end

  def create
    task = Task.create!(task_params)
    render json: task.snorky_json, status: :created
  end

  def update
    task = Task.find(params[:id])
    task.update!(task_params)
    render json: task.snorky_json
  end

  def destroy
    Task.find(params[:id]).destroy!
    head :no_content
  end

  private

  def task_params
    params.require(:task).permit(:title, :completed, :owner)
  end
end

from rest_framework import viewsets

import snorky.backend.django.rest_framework as snorky

from .models import Task
from .serializers import TaskSerializer


class TaskViewSet(snorky.ListSubscribeModelMixin, viewsets.ModelViewSet):
    """The seed documentation's example, on today's DRF (queryset instead of model).

    ``GET /api/tasks`` subscribes to the AllTasks dealer; ``?owner=x`` lists
    and subscribes to the tasks of one owner (TasksByOwner, query = owner).
    """

    serializer_class = TaskSerializer
    dealer = "AllTasks"
    dealer_query = None

    def get_queryset(self):
        tasks = Task.objects.order_by("id")
        owner = self.request.query_params.get("owner")
        return tasks.filter(owner=owner) if owner is not None else tasks

    def get_subscription_items(self):
        owner = self.request.query_params.get("owner")
        if owner is not None:
            return [{"dealer": "TasksByOwner", "query": owner}]
        return super().get_subscription_items()

"""/api/webhooks/: endpoints and deliveries."""

from rest_framework.routers import SimpleRouter

from qwenkb.webhooks.api import DeliveryViewSet, EndpointViewSet

router = SimpleRouter()
router.register("endpoints", EndpointViewSet)
router.register("deliveries", DeliveryViewSet)
urlpatterns = router.urls

// One small module per feature folder; each is only controllers and the services behind them.
import { Module } from '@nestjs/common';
import { AdminController } from './admin/admin.controller';
import { AdminKeyGuard } from './admin/admin-key.guard';
import { InspectionController } from './admin/inspection.controller';
import { ResetService } from './admin/reset.service';
import { HealthController } from './health/health.controller';
import { IdTokenBuilder } from './idtoken/idtoken.builder';
import { IdTokenController } from './idtoken/idtoken.controller';
import { EnrollmentService } from './launches/enrollment.service';
import { LaunchService } from './launches/launch.service';
import { LineItemsController } from './lineitems/lineitems.controller';
import { LineItemsService } from './lineitems/lineitems.service';
import { MembershipsController } from './memberships/memberships.controller';
import { MembershipsService } from './memberships/memberships.service';
import { PlatformsController } from './platforms/platforms.controller';
import { PlatformsService } from './platforms/platforms.service';
import { RegistrationsController } from './registrations/registrations.controller';
import { RegistrationsService } from './registrations/registrations.service';
import { ScoresController } from './scores/scores.controller';
import { ScoresService } from './scores/scores.service';

@Module({ controllers: [IdTokenController], providers: [IdTokenBuilder] })
export class IdTokenModule {}

@Module({ controllers: [LineItemsController], providers: [LineItemsService] })
export class LineItemsModule {}

@Module({ controllers: [ScoresController], providers: [ScoresService] })
export class ScoresModule {}

@Module({ controllers: [MembershipsController], providers: [MembershipsService] })
export class MembershipsModule {}

@Module({ controllers: [PlatformsController], providers: [PlatformsService] })
export class PlatformsModule {}

@Module({ controllers: [RegistrationsController], providers: [RegistrationsService] })
export class RegistrationsModule {}

@Module({ controllers: [HealthController] })
export class HealthModule {}

/** Mounted only when EMULATOR_ADMIN_KEY is set; otherwise `/__admin/*` is a plain 404. */
@Module({
  controllers: [AdminController, InspectionController],
  providers: [AdminKeyGuard, LaunchService, EnrollmentService, ResetService],
})
export class AdminModule {}
